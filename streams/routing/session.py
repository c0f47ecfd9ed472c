"""A venue session: the router's passes and the venue's update stream, side by side, for as
long as the desk runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

import structlog

from adapters.eventstore.store import DeskStore
from domain.instruments import Instrument
from domain.venue import VenueError
from streams.ports import Clock, Venue
from streams.routing.router import Notify, OrderRouter
from streams.routing.updates import VenueUpdates

log = structlog.get_logger("eventdesk.venue_session")

DEFAULT_POLL_SECONDS = 0.2


class VenueSession:
    """Routes the desk's orders to `venue` and records what the venue pushes back."""

    def __init__(self, store: DeskStore, venue: Venue, instruments: Mapping[str, Instrument],
                 clock: Clock, notify: Notify = lambda _: None,
                 poll_seconds: float = DEFAULT_POLL_SECONDS) -> None:
        self.venue = venue
        self.router = OrderRouter(store, venue, instruments, clock, notify)
        self.updates = VenueUpdates(store, venue.name, clock, notify)
        self.poll_seconds = poll_seconds

    async def run(self, stop: asyncio.Event) -> None:
        """Route and listen until `stop` is set."""
        listening = asyncio.create_task(self._listen())
        try:
            while not stop.is_set():
                await self.router.route()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_seconds)
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening

    async def _listen(self) -> None:
        while True:
            try:
                async for update in self.venue.updates():
                    self.updates.record(update)
            except VenueError as e:
                log.warning("update stream failed, listening again", venue=self.venue.name,
                            error=str(e))
            await asyncio.sleep(self.poll_seconds)
