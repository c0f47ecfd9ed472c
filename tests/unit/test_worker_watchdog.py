"""A worker stuck in a rebalance leaves for its supervisor to restart; the demo's stack
restarts a worker that left that way, and only that way."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from streams.kafka.stack import MAX_RESTARTS, KafkaStack, StackStalled
from streams.kafka.watchdog import EXIT_STALLED, mark_ready, ready_marker, watch_readiness


class Flag:
    def __init__(self, value: bool) -> None:
        self.value = value

    def is_set(self) -> bool:
        return self.value


@dataclass
class FakeApp:
    """What the watchdog reads of a faust app: recovery done, and whether rebalancing."""

    recovered: bool
    rebalancing: bool
    tables: Any = field(init=False)

    def __post_init__(self) -> None:
        app = self

        class Recovery:
            completed = property(lambda _: Flag(app.recovered))

        class Tables:
            recovery = Recovery()

        self.tables = Tables()


class Left(Exception):
    pass


def run(app: FakeApp, timeline: list[tuple[bool, bool]], stall: float,
        mark: Any = lambda ready: None) -> float | None:
    """Drive the watchdog one simulated second a step; the time it left at, or None."""
    now = [0.0]
    steps = iter(timeline)

    def sleep(seconds: float) -> None:
        try:
            app.recovered, app.rebalancing = next(steps)
        except StopIteration:
            raise Left("still running") from None
        now[0] += seconds

    def leave(code: int) -> None:
        assert code == EXIT_STALLED
        raise Left(now[0])

    try:
        watch_readiness(app, stall, clock=lambda: now[0], sleep=sleep, leave=leave,  # type: ignore[arg-type]
                        mark=mark)
    except Left as e:
        return e.args[0] if isinstance(e.args[0], float) else None
    return None


def test_watchdog_when_stuck_in_a_rebalance_past_the_timeout_then_it_leaves() -> None:
    ready, stuck = (True, False), (True, True)
    left_at = run(FakeApp(False, False), [ready] * 5 + [stuck] * 100, stall=60)

    assert left_at is not None and 60 < left_at - 5 <= 62


def test_watchdog_when_rebalances_are_short_then_it_stays() -> None:
    ready, stuck = (True, False), (True, True)
    timeline = ([stuck] * 30 + [ready]) * 5  # 30 s rebalances, each ending

    assert run(FakeApp(False, False), timeline, stall=60) is None


def test_watchdog_when_recovery_never_completes_then_it_leaves() -> None:
    assert run(FakeApp(False, False), [(False, False)] * 100, stall=60) is not None


def test_watchdog_when_the_worker_becomes_ready_and_rebalances_then_its_mark_follows(
    tmp_path: Path,
) -> None:
    marker = ready_marker(tmp_path)
    seen: list[bool] = []

    def mark(ready: bool) -> None:
        mark_ready(marker)(ready)
        seen.append(marker.exists())

    ready, rebalancing = (True, False), (True, True)
    run(FakeApp(False, False), [(False, False)] * 3 + [ready] * 3 + [rebalancing] * 2 + [ready],
        stall=60, mark=mark)

    assert seen == [True, False, True]  # once per change, never on every tick


class FakeProc:
    def __init__(self, code: int | None) -> None:
        self.returncode = code
        self.terminated = False

    def poll(self) -> int | None:
        return self.returncode

    def terminate(self) -> None:
        self.terminated = True

    def wait(self, timeout: float | None = None) -> int:
        return 0


def stack(tmp_path: Path, spawned: list[str]) -> KafkaStack:
    s = KafkaStack("sqlite:///x.db", "127.0.0.1:1", log_dir=tmp_path)

    def spawn(name: str) -> subprocess.Popen[bytes]:
        spawned.append(name)
        s.procs[name] = FakeProc(None)  # type: ignore[assignment]
        return s.procs[name]

    s.spawn = spawn  # type: ignore[method-assign]
    return s


def test_stack_when_a_worker_left_stalled_then_it_is_restarted_up_to_the_limit(
    tmp_path: Path,
) -> None:
    spawned: list[str] = []
    s = stack(tmp_path, spawned)
    for _ in range(MAX_RESTARTS):
        s.procs["worker-0"] = FakeProc(EXIT_STALLED)  # type: ignore[assignment]
        s.check_running()
    assert spawned == ["worker-0"] * MAX_RESTARTS

    s.procs["worker-0"] = FakeProc(EXIT_STALLED)  # type: ignore[assignment]
    with pytest.raises(StackStalled, match="worker-0 exited with code 75"):
        s.check_running()


def test_stack_when_a_process_failed_otherwise_then_stalled_is_raised(tmp_path: Path) -> None:
    spawned: list[str] = []
    s = stack(tmp_path, spawned)
    s.procs["relay"] = FakeProc(1)  # type: ignore[assignment]

    with pytest.raises(StackStalled, match="relay exited with code 1"):
        s.check_running()
    assert spawned == []


def test_stack_when_nothing_moves_then_only_a_worker_ready_that_long_is_replaced(
    tmp_path: Path,
) -> None:
    spawned: list[str] = []
    s = stack(tmp_path, spawned)
    starting, idle = FakeProc(None), FakeProc(None)
    s.procs.update({"worker-0": starting, "worker-1": idle})  # type: ignore[dict-item]
    marker = ready_marker(s.data_dir("worker-1"))
    marker.parent.mkdir(parents=True)
    marker.touch()
    old = time.time() - 60
    os.utime(marker, (old, old))  # ready for a minute

    s.restart_workers(idle_for=45)

    # worker-0 has not said it is ready (a slow start on a busy host): replacing it would
    # only restart its start-up, forever.
    assert spawned == ["worker-1"] and idle.terminated and not starting.terminated
