"""One websocket to a market-data venue, kept open: connect, subscribe, read frames, and on
a drop wait (doubling up to a cap), reconnect and subscribe again.

A venue package says only how to reach it (`connect`), what to send on opening
(`opening_messages`) and how to read a frame (`decode`); this module does the rest, and
keeps the counters an operator reads. Secrets travel in headers or URLs and never reach a
log line: errors are logged by type, not by their text (which may quote the URL).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

import aiohttp
import structlog

from adapters.feeds.frames import Decoded, FrameError
from domain.ticks import FeedBatch, FeedStatus, epoch_ms

log = structlog.get_logger("eventdesk.feeds")

FIRST_DELAY = 0.05  # seconds before the first reconnect; doubles up to `max_delay`
QUEUE_LIMIT = 100_000  # batches held for a slow reader before the feed waits for it

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


class WebsocketFeed:
    """The reconnecting session shared by every feed; subclasses name the venue's wire."""

    name = "feed"

    def __init__(self, clock: Clock = wall_clock, max_delay: float = 5.0) -> None:
        self._clock = clock
        self._max_delay = max_delay
        self._queue: asyncio.Queue[FeedBatch] = asyncio.Queue(QUEUE_LIMIT)
        self._task: asyncio.Task[None] | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._http: aiohttp.ClientSession | None = None
        self.keys: list[str] = []
        self._connected = False
        self._last_message_at: datetime | None = None
        self._lag_ms: int | None = None
        self._reconnects = 0
        self._frames = 0
        self._ticks = 0
        self._bad = 0
        self._dropped_at: datetime | None = None

    # --- what a venue supplies -------------------------------------------------------
    async def connect(self, http: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        """Open the websocket (authorizing first where the venue asks for it)."""
        raise NotImplementedError

    def opening_messages(self, keys: Sequence[str]) -> list[str | bytes]:
        """What to send on a fresh connection to subscribe `keys`."""
        raise NotImplementedError

    def change_messages(self, method: str, keys: Sequence[str]) -> list[str | bytes]:
        """What to send to subscribe (`sub`) or unsubscribe (`unsub`) `keys` while open."""
        raise NotImplementedError

    def decode(self, frame: bytes, received_ms: int) -> Decoded:
        """The ticks in one binary frame; `FrameError` when it cannot be read."""
        raise NotImplementedError

    def on_text(self, text: str) -> None:
        """A text message (venue notices, order updates): logged by default."""
        log.info("feed text message", feed=self.name, size=len(text))

    # --- the port ---------------------------------------------------------------------
    def batches(self) -> AsyncIterator[FeedBatch]:
        """Each frame's ticks as it arrives (starts the connection on first use)."""
        self._start()
        return self._drain()

    async def _drain(self) -> AsyncIterator[FeedBatch]:
        while True:
            yield await self._queue.get()

    async def subscribe(self, keys: Sequence[str]) -> None:
        """Add `keys`; sent now when connected, and again on every reconnect."""
        new = [k for k in keys if k not in self.keys]
        self.keys.extend(new)
        await self._send(self.change_messages("sub", new) if new else [])

    async def unsubscribe(self, keys: Sequence[str]) -> None:
        """Remove `keys` from the subscription."""
        gone = [k for k in keys if k in self.keys]
        self.keys = [k for k in self.keys if k not in gone]
        await self._send(self.change_messages("unsub", gone) if gone else [])

    def status(self) -> FeedStatus:
        """The session's state for operators."""
        return FeedStatus(self.name, self._connected, len(self.keys), self._last_message_at,
                          self._lag_ms, self._reconnects, self._frames, self._ticks, self._bad)

    async def close(self) -> None:
        """Stop reconnecting; close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # --- the session ------------------------------------------------------------------
    def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _send(self, messages: list[str | bytes]) -> None:
        ws = self._ws
        if ws is None or ws.closed:
            return  # sent on the next connection with every key
        for message in messages:
            if isinstance(message, bytes):
                await ws.send_bytes(message)
            else:
                await ws.send_str(message)

    async def _run(self) -> None:
        delay = FIRST_DELAY
        async with aiohttp.ClientSession() as http:
            self._http = http
            while True:
                try:
                    await self._session(http)
                    delay = FIRST_DELAY
                except (aiohttp.ClientError, TimeoutError, OSError, KeyError, ValueError) as e:
                    log.warning("feed dropped", feed=self.name, error=type(e).__name__)
                finally:
                    self._ws = None
                    if self._connected:
                        self._dropped_at = self._clock()
                    self._connected = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay)
                self._reconnects += 1

    async def _session(self, http: aiohttp.ClientSession) -> None:
        async with await self.connect(http) as ws:
            self._ws = ws
            self._connected = True
            if self._dropped_at is not None:
                await self._queue.put(FeedBatch(self._clock(), gap_from=self._dropped_at))
                self._dropped_at = None
            await self._send(self.opening_messages(self.keys) if self.keys else [])
            async for message in ws:
                if message.type is aiohttp.WSMsgType.BINARY:
                    await self._frame(message.data)
                elif message.type is aiohttp.WSMsgType.TEXT:
                    self.on_text(message.data)
                elif message.type is aiohttp.WSMsgType.ERROR:
                    break

    async def _frame(self, frame: bytes) -> None:
        now = self._clock()
        now_ms = epoch_ms(now)
        self._frames += 1
        self._last_message_at = now
        try:
            decoded = self.decode(frame, now_ms)
        except FrameError as e:
            self._bad += 1
            await self._queue.put(FeedBatch(now, bad_frame=frame, reason=str(e)))
            return
        if decoded.ticks:
            self._ticks += len(decoded.ticks)
            self._lag_ms = now_ms - decoded.ticks[-1].at_ms
            await self._queue.put(FeedBatch(now, tuple(decoded.ticks)))
