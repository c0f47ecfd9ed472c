"""A durable journal line is synced off the event loop: while the disk flushes, the desk's
other coroutines run; lines queued meanwhile share the next flush; a failed write reaches
the caller waiting for it (its order is then never sent)."""

from __future__ import annotations

import asyncio
import errno
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.brokers.intents import IntentLog


class SlowDisk:
    """`os.fsync` that holds each flush until the test lets it finish."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.flushing = threading.Event()
        self.release = threading.Event()
        self.flushed: list[str] = []
        real: Callable[[int], None] = os.fsync

        def fsync(fd: int) -> None:
            target = Path(os.readlink(f"/proc/self/fd/{fd}"))
            if target.is_file():
                self.flushing.set()
                if not self.release.wait(10):  # a guard against a hang, not a timing
                    raise AssertionError("the flush was never let go")
                self.flushed.append(target.read_text())
            real(fd)

        monkeypatch.setattr(os, "fsync", fsync)


def test_intents_when_the_disk_flush_is_slow_then_other_coroutines_run_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = SlowDisk(monkeypatch)
    log = IntentLog(tmp_path / "kite.intents")
    ran: list[str] = []

    async def feed() -> None:  # another coroutine on the loop, e.g. a ticker
        await asyncio.to_thread(disk.flushing.wait, 10)
        ran.append("feed ran during the flush")
        disk.release.set()

    async def main() -> None:
        await asyncio.gather(log.sending("order-1"), feed())

    asyncio.run(main())
    log.close()

    assert ran == ["feed ran during the flush"]
    assert log.may_have_sent("order-1") and disk.flushed[0] == '{"coid":"order-1"}\n'


def test_intents_when_ids_queue_during_a_flush_then_they_share_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = SlowDisk(monkeypatch)
    log = IntentLog(tmp_path / "kite.intents")

    async def main() -> None:
        first = asyncio.ensure_future(log.sending("order-1"))
        await asyncio.to_thread(disk.flushing.wait, 10)
        rest = [asyncio.ensure_future(log.sending(f"order-{n}")) for n in (2, 3, 4)]
        await asyncio.sleep(0)
        disk.release.set()
        await asyncio.gather(first, *rest)

    asyncio.run(main())
    log.close()

    assert len(disk.flushed) == 3, "order-1's flush, one for 2-4, and close's"
    assert disk.flushed[1].splitlines()[1:] == [f'{{"coid":"order-{n}"}}' for n in (2, 3, 4)]


def test_intents_when_the_disk_is_full_then_the_caller_gets_the_error_and_nothing_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    log = IntentLog(tmp_path / "kite.intents")

    with pytest.raises(OSError, match="No space left"):
        asyncio.run(log.sending("order-1"))

    assert not log.may_have_sent("order-1")
