"""Commit notices: PostgreSQL's recorder sends a NOTIFY on its channel with every insert.

A reader of the log (the relay) listens on that channel to wake as soon as something is
committed, instead of polling; SQLite has no such channel, so readers there poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlparse

import psycopg
from psycopg import sql

from adapters.eventstore.recorders import ChainedPostgresRecorder
from adapters.eventstore.store import DeskStore

_MAX_BACKOFF = 10.0


class CommitListener:
    """Sets an event on every commit to the store (PostgreSQL); see the module doc."""

    def __init__(self, store: DeskStore, poll: float, log: Any) -> None:
        recorder = store.chained
        self.url = store.url
        # None on SQLite: nothing to listen to.
        self.channel = (recorder.channel_name
                        if isinstance(recorder, ChainedPostgresRecorder) else None)
        self.poll = poll
        self.listening = False  # True while a LISTEN connection is open
        self._log = log
        self._password = urlparse(store.url).password or ""

    async def wait_for_commits(self, stop: asyncio.Event, wake: asyncio.Event) -> None:
        """Until `stop`, set `wake` on every commit (and once LISTEN takes effect, for what
        was committed before); reconnect with backoff when the connection is lost."""
        if self.channel is None:
            return
        failures = 0
        while not stop.is_set():
            try:
                conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
                async with conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.listening, failures = True, 0
                    wake.set()  # whatever was committed before LISTEN took effect
                    self._log.info("relay.listening", channel=self.channel)
                    while not stop.is_set():
                        async for _ in conn.notifies(timeout=self.poll):
                            wake.set()
            except (psycopg.Error, OSError) as exc:
                self.listening = False
                failures += 1
                error = repr(exc).replace(self._password, "***") if self._password else repr(exc)
                self._log.warning("relay.listen_failed", attempt=failures, error=error)
                # Sleep 0.25 s doubling up to 10 s, or until stopped.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), min(0.25 * 2 ** (failures - 1),
                                                            _MAX_BACKOFF))
            finally:
                self.listening = False
