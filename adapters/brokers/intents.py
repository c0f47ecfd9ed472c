"""Owner-only, append-only journals of what an adapter is about to send to a broker.

Writing a line before an order goes out is what lets an adapter skip the broker's order book
for a fresh client order id: only an id the journal names may have reached the broker before
(a timeout, a crash, a restart), so only such an id is looked up before placing. Each write
appends one JSON line to a file kept open for the session (no rewrite of the whole file, so
the cost per order does not grow with the day). A torn last line (a crash mid-write) is
skipped on reading. `python -m bench.orders` prints what the sync costs per order.

Two kinds of line:
- `append_durably` (an intent, before its order is sent): the line is on disk (fsync, and
  the directory's entry too when the file is new) before the awaiting caller goes on, so it
  survives the process crashing and the machine losing power. The write and the sync run on
  one writer thread per journal, never on the event loop: a disk flush takes milliseconds
  on a busy disk and would stall every other coroutine (feeds, API, other orders) for it.
  Lines that queue while a flush runs share the next one (group commit), so N orders in
  flight cost one flush, not N.
- `append` with `sync=False` (a fact the adapter can look up at the broker again): written
  to the file at once, so a crash of the process loses nothing (the kernel holds it), and
  flushed to disk by the next durable line or by `close`; only a power loss before then can
  drop it, which costs a lookup at the broker, never a second order.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class AppendLog:
    """JSON lines appended to an owner-only file, read back whole when opened."""

    # Durable lines are synced to disk before they count as written; only the bench turns
    # this off, to measure what the sync costs beside a run without it.
    durable = True

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._opening = threading.Lock()  # the writer thread and the loop may both open
        self._queued = threading.Lock()
        self._waiting: list[tuple[bytes, asyncio.Future[None]]] = []
        self._flushing = False
        self._writer: ThreadPoolExecutor | None = None

    def read(self) -> list[Any]:
        """Every readable line written so far (torn or garbled lines are skipped)."""
        if not self.path.exists():
            return []
        found = []
        for number, line in enumerate(self.path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                found.append(json.loads(line))
            except ValueError:
                log.warning("journal_line_unreadable", path=str(self.path), line=number)
        return found

    def append(self, record: Mapping[str, Any], *, sync: bool = True) -> None:
        """Write one record at the end of the file now, synced to disk unless `sync` is
        False (then the next durable line or `close` syncs it). Blocks for the sync: on
        an event loop, use `append_durably`."""
        fd = self._open()
        os.write(fd, encode(record))
        if sync and self.durable:
            os.fsync(fd)

    async def append_durably(self, record: Mapping[str, Any]) -> None:
        """Write one record and return once it is on disk, the write and the sync done on
        the journal's writer thread (shared by the lines queued meanwhile)."""
        if not self.durable:
            self.append(record, sync=False)
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self._queued:
            self._waiting.append((encode(record), done))
            start, self._flushing = not self._flushing, True
        if start:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="journal")
            self._writer.submit(self._flush)
        await done

    def _flush(self) -> None:
        """On the writer thread: write and sync every queued line, then wake their callers;
        again while more queued meanwhile."""
        while True:
            with self._queued:
                batch, self._waiting = self._waiting, []
                if not batch:
                    self._flushing = False
                    return
            failed: OSError | None = None
            try:
                fd = self._open()
                os.write(fd, b"".join(data for data, _ in batch))
                os.fsync(fd)
            except OSError as e:
                failed = e
            for _, done in batch:
                with suppress(RuntimeError):  # a closed loop: no one is waiting any more
                    done.get_loop().call_soon_threadsafe(_settle, done, failed)

    def rewrite(self, records: list[Mapping[str, Any]]) -> None:
        """Replace the file's content (once, to convert an older format)."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, b"".join(encode(r) for r in records))
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        """Finish the queued lines, sync the lines written without a sync, and close the
        file (the next append opens it again)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        if self._fd is not None:
            if self.durable:
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None

    def _open(self) -> int:
        with self._opening:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                created = not self.path.exists()
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                os.fchmod(fd, 0o600)  # an existing file keeps its old mode through O_CREAT
                if created and self.durable:
                    sync_directory(self.path.parent)  # else a power loss can drop the name
                self._fd = fd
            return self._fd


def encode(record: Mapping[str, Any]) -> bytes:
    """One journal line: compact, keys sorted, newline-terminated."""
    return (json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n").encode()


def _settle(done: asyncio.Future[None], failed: OSError | None) -> None:
    if done.done():  # its caller was cancelled meanwhile
        return
    if failed is None:
        done.set_result(None)
    else:
        done.set_exception(failed)


def sync_directory(path: Path) -> None:
    """Flush a directory's entries (a file just created in it) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IntentLog:
    """The desk order ids an adapter has started to send, kept across restarts.

    Without a path nothing is remembered, and every id counts as possibly sent: the adapter
    then looks each one up at the broker, as it must when it cannot know."""

    def __init__(self, path: Path | None) -> None:
        self._log = AppendLog(path) if path is not None else None
        self._sent: set[str] = set()
        if self._log is not None:
            self._sent = {
                str(r["coid"]) for r in self._log.read() if isinstance(r, dict) and r.get("coid")
            }

    def may_have_sent(self, client_order_id: str) -> bool:
        """True when an order under this id may already be at the broker."""
        return self._log is None or client_order_id in self._sent

    async def sending(self, client_order_id: str) -> None:
        """Note, before it goes out, that an order under this id is about to be sent:
        returns once the note is on disk."""
        if self._log is None or client_order_id in self._sent:
            return
        await self._log.append_durably({"coid": client_order_id})
        self._sent.add(client_order_id)

    def close(self) -> None:
        """Close the journal file."""
        if self._log is not None:
            self._log.close()
