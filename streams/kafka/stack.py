"""`desk demo --runtime kafka`: the sample day through the relay, Kafka and faust workers.

The demo process only feeds the sample day into the event store; a `desk relay` and one
or more `desk worker` subprocesses do everything else. After each instant of the day it
waits until the process managers have handled the whole log, so inputs and reactions
interleave exactly as in the embedded run, and at the end until every projection
partition has consumed everything; then it merges the workers' partial views.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import structlog

from adapters.eventstore.store import DeskStore, ViewSnapshots
from adapters.eventstore.url import STORE_ENV
from adapters.kafka.admin import end_offsets, ensure_topics
from adapters.kafka.topics import (
    DEFAULT_NAMESPACE,
    DEFAULT_PARTITIONS,
    DOMAIN_TOPICS,
    in_namespace,
)
from domain.ids import short_hash
from projections.desk import LIVE_VIEW, DeskView, snapshot
from streams.feed import feed_day, sample_day
from streams.kafka.rows import OFFSET_PREFIX, PM_PROGRESS
from streams.kafka.views import WorkerViews, kafka_view
from streams.kafka.watchdog import EXIT_STALLED, ready_marker
from streams.ports import Clock
from streams.process_managers.auto_approver import DEMO_POLICY

DESK = str(Path(sys.executable).with_name("desk"))


class StackStalled(RuntimeError):
    """The relay or the workers stopped making progress; says which."""


MAX_RESTARTS = 3  # per process: a worker that keeps stalling is a failure, not a hiccup
# Behind the log with no progress this long: the workers are restarted.
STUCK_SECONDS = 45.0
log = structlog.get_logger("eventdesk.stack")

# Operator credentials (the API's token list, a CLI operator's token) that the relay and
# workers never use: they are not handed on to them.
_NOT_FOR_CHILDREN = ("DESK_API_TOKENS", "DESK_TOKEN")


def _inherited() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _NOT_FOR_CHILDREN}


@dataclass
class KafkaStack:
    """The relay and worker subprocesses of one run."""

    store_url: str
    bootstrap: str
    partitions: int = DEFAULT_PARTITIONS
    workers: int = 1
    approver: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    log_dir: Path = Path(".desk/logs")
    table_store: str = "memory://"
    # Extra environment for the relay and workers (e.g. DESK_JITTER in timing tests).
    env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)

    def start(self) -> None:
        """Create the topics, then start the relay and the workers."""
        asyncio.run(ensure_topics(self.bootstrap, self.partitions, namespace=self.namespace))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.spawn("relay")
        for n in range(self.workers):
            self.spawn(f"worker-{n}")

    def spawn(self, name: str) -> subprocess.Popen[bytes]:
        """Start (or restart) the relay (`relay`) or a worker (`worker-N`)."""
        # The store URL (it may carry a password) goes through the environment: a child's
        # argv is readable by every user of the machine (`ps`).
        common = ["--bootstrap", self.bootstrap,
                  "--partitions", str(self.partitions), "--namespace", self.namespace]
        if name == "relay":
            argv = [DESK, "relay", *common]
        else:
            # Whatever a previous process of this name marked says nothing of the new one.
            ready_marker(self.data_dir(name)).unlink(missing_ok=True)
            argv = [DESK, "worker", *common, "--table-store", self.table_store,
                    "--data-dir", str(self.data_dir(name)),
                    *(["--approver", self.approver] if self.approver else [])]
        log = (self.log_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                env={**_inherited(), **self.env, STORE_ENV: self.store_url})
        self.procs[name] = proc
        return proc

    def data_dir(self, name: str) -> Path:
        """Worker `name`'s data directory (its table stores and its readiness mark)."""
        return self.log_dir.parent / "faust" / name

    def ready_for(self, name: str) -> float:
        """Seconds worker `name` has been ready by its own account; 0 while it starts,
        recovers or rebalances (its own watchdog governs those)."""
        try:
            since = ready_marker(self.data_dir(name)).stat().st_mtime
        except FileNotFoundError:
            return 0.0
        return max(0.0, time.time() - since)

    def check_running(self) -> None:
        """Restart a worker that left because it stalled (its watchdog's exit code), up to
        `MAX_RESTARTS` times; raise `StackStalled` naming any other process that exited."""
        for name, proc in list(self.procs.items()):
            code = proc.poll()
            if code is None:
                continue
            log_file = self.log_dir / (name + ".log")
            restarts = self.restarts.get(name, 0)
            if code == EXIT_STALLED and restarts < MAX_RESTARTS:
                self.restarts[name] = restarts + 1
                log.warning("stack.restarted", process=name, exit_code=code, log=str(log_file))
                self.spawn(name)
                continue
            raise StackStalled(f"{name} exited with code {code}; see {log_file}")

    def restart_workers(self, idle_for: float = STUCK_SECONDS) -> None:
        """Replace every worker that has been ready for `idle_for` seconds while nothing
        moved with a fresh process (up to `MAX_RESTARTS` each): the supervisor's answer to a
        worker that is alive and ready but consumes nothing. A worker still starting (slow
        on a busy machine: imports alone can take half a minute) is left alone; replacing it
        would only start the wait again."""
        for name in [n for n in self.procs if n.startswith("worker-")]:
            if self.ready_for(name) < idle_for:
                continue
            restarts = self.restarts.get(name, 0)
            if restarts >= MAX_RESTARTS:
                raise StackStalled(f"{name} stopped consuming {restarts + 1} times; see "
                                   f"{self.log_dir / (name + '.log')}")
            self.restarts[name] = restarts + 1
            proc = self.procs[name]
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.warning("stack.restarted", process=name, reason="no progress")
            self.spawn(name)

    def kill(self, name: str) -> None:
        """SIGKILL one process, as a crash would (it is no longer watched)."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait()

    def stop(self) -> None:
        """SIGTERM every process and wait for it (SIGKILL after 20 s)."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


def wait_for_process_managers(
    store: DeskStore, timeout: float = 120.0, check: Callable[[], None] = lambda: None,
    stuck: Callable[[], None] | None = None, stuck_after: float = STUCK_SECONDS,
) -> None:
    """Block until the process managers have handled every event in the log, including
    every event their own reactions wrote. `stuck` runs when they have been behind with no
    progress for `stuck_after` seconds (the stack restarts its workers there)."""
    snapshots = ViewSnapshots(store)
    deadline = time.monotonic() + timeout
    last_done, moved_at, asked_at = -1, time.monotonic(), 0.0
    while True:
        check()
        # Progress first, then the head: the process managers commit what an event caused
        # before they record having handled it, so a head read after the progress includes
        # those writes. Read the other way round, a step committed between the two reads
        # looks handled, the feed writes the next instant before the reactions' reactions,
        # and the log interleaves differently from the embedded desk's.
        progress = snapshots.load(PM_PROGRESS)
        done = progress[0] if progress else 0
        head = store.head()
        if done >= head:
            return
        now = time.monotonic()
        if done != last_done:
            last_done, moved_at, asked_at = done, now, 0.0
        elif stuck is not None and now - moved_at > stuck_after and now - asked_at >= 1.0:
            # Nothing moved for a while: the supervisor replaces a worker that is alive,
            # ready by its own account, yet consuming nothing (seen after a group member was
            # killed); a fresh process rejoins cleanly and resumes from the position the
            # store tracks, so nothing is decided twice. Asked again each second, since a
            # worker that was still starting may become ready and then stop.
            if not asked_at:
                log.warning("stack.stuck", handled=done, log_head=head)
            stuck()
            asked_at = now
        if now > deadline:
            raise StackStalled(f"process managers at {done}, log at {head} "
                               f"(relay at {store.tracked('relay')})")
        time.sleep(0.002)


def wait_for_projections(
    store: DeskStore, bootstrap: str, namespace: str, timeout: float = 120.0,
    check: Callable[[], None] = lambda: None,
) -> None:
    """Block until every projection partition has consumed to its end offset."""
    snapshots = ViewSnapshots(store)
    deadline = time.monotonic() + timeout
    while True:
        check()
        head, relayed = store.head(), store.tracked("relay")
        consumed = {k.removeprefix(OFFSET_PREFIX): pos
                    for k, (pos, _) in snapshots.load_prefix(OFFSET_PREFIX).items()}
        ends = asyncio.run(
            end_offsets(bootstrap, [in_namespace(t, namespace) for t in DOMAIN_TOPICS])
        )
        behind = {tp: end for tp, end in ends.items() if end > 0 and consumed.get(tp, -1) < end - 1}
        if relayed >= head and not behind:
            return
        if time.monotonic() > deadline:
            raise StackStalled(f"relay at {relayed}/{head}; partitions behind: {behind}")
        time.sleep(0.05)


def demo_namespace(store_url: str) -> str:
    """Topics of their own for each demo store, so re-runs on one broker never mix logs."""
    return f"desk-demo-{short_hash(store_url, length=8)}"


def run_demo_kafka(
    store_url: str, directory: Path, operator: str, clock: Clock, bootstrap: str,
    partitions: int = DEFAULT_PARTITIONS, workers: int = 1,
) -> DeskView:
    """Feed the sample day through a fresh relay and workers; return the merged view."""
    stack = KafkaStack(store_url, bootstrap, partitions, workers, approver=DEMO_POLICY,
                       namespace=demo_namespace(store_url))
    stack.start()
    try:
        return feed_stack(stack, directory, operator, clock)
    finally:
        stack.stop()


def feed_stack(
    stack: KafkaStack, directory: Path, operator: str, clock: Clock,
    until: datetime | None = None, after_group: Callable[[int], None] | None = None,
    timeout: float = 120.0,
) -> DeskView:
    """Feed the sample day (up to `until`) through a running stack; `after_group(i)` runs
    after each instant is fully handled, which is where fault tests strike."""
    store = DeskStore(stack.store_url)

    def settle() -> None:
        """Wait until the process managers have handled the whole log."""
        wait_for_process_managers(store, timeout, stack.check_running,
                                  stuck=stack.restart_workers)

    feed_day(WorkerViews(store, clock), store, sample_day(directory),
                    f"operator:{operator}", clock, settle=settle, until=until,
                    after_group=after_group)
    return save_settled_view(stack, store, timeout)


def save_settled_view(stack: KafkaStack, store: DeskStore, timeout: float = 120.0) -> DeskView:
    """Once the process managers have handled the whole log and every projection partition
    has consumed it, the workers' merged view, saved as the live view `desk replay verify`
    compares a rebuild with."""
    wait_for_process_managers(store, timeout, stack.check_running, stuck=stack.restart_workers)
    # Offsets are flushed in the same transaction as the views they produced.
    wait_for_projections(store, stack.bootstrap, stack.namespace, timeout, stack.check_running)
    view = kafka_view(store)
    view.position = store.head()
    ViewSnapshots(store).save(LIVE_VIEW, view.position, json.dumps(snapshot(view)))
    return view
