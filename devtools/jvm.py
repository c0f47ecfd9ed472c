"""Is this pid still our Kafka JVM? Read from procfs, zombie main threads included."""

from __future__ import annotations

import os
from pathlib import Path


def is_our_jvm(pid: int, props_path: Path) -> bool:
    """Return True while ``pid`` is the Kafka JVM for ``props_path``, until its last
    thread has exited (so that its parent can reap it at once)."""
    proc = Path("/proc") / str(pid)
    if not Path("/proc/self").exists():  # no procfs: fall back to a bare liveness check
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        stat = (proc / "stat").read_text()
    except OSError:
        return False
    # Field 3 of /proc/PID/stat is the state; a pid may also have been reused.
    comm = stat[stat.find("(") + 1 : stat.rfind(")")]
    if comm != "java":
        return False
    if _state(stat) in ("Z", "X"):
        # A JVM's main thread can be a zombie while its other threads still exit; the
        # parent cannot reap it (nor see it stopped) until the last one has gone.
        return _threads_alive(proc)
    if cmdline == [b""]:
        # A process tearing down its memory has an empty cmdline but has not exited yet;
        # its parent cannot reap it until it does, so it still counts as running.
        return True
    return b"kafka.Kafka" in cmdline and str(props_path).encode() in cmdline


def _state(stat: str) -> str:
    return stat.rsplit(")", 1)[-1].split()[0]


def _threads_alive(proc: Path) -> bool:
    """True while any thread of the process is neither a zombie nor dead."""
    try:
        tasks = list((proc / "task").iterdir())
    except OSError:
        return False
    for task in tasks:
        try:
            if _state((task / "stat").read_text()) not in ("Z", "X"):
                return True
        except OSError:
            continue
    return False
