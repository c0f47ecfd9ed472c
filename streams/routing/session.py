"""A venue session: the routers' passes (orders, then operator exits), the venue's update
stream and reconciliation (at start, then every N seconds), side by side, for as long as the
desk runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection, Mapping
from datetime import datetime

import structlog

from adapters.eventstore.store import DeskStore
from domain.instruments import Instrument
from domain.venue import VenueError
from projections.desk import DeskView
from streams.ports import Clock, Venue
from streams.routing.exits import ExitRouter
from streams.routing.reconcile import DEFAULT_RECONCILE_SECONDS, Reconciler, Settle
from streams.routing.router import Notify, OrderRouter
from streams.routing.routes import VenueRoutes
from streams.routing.updates import VenueUpdates

log = structlog.get_logger("eventdesk.venue_session")

DEFAULT_POLL_SECONDS = 0.2


class VenueSession:
    """Routes the desk's orders to `venue` and records what the venue pushes back."""

    def __init__(self, store: DeskStore, venue: Venue, instruments: Mapping[str, Instrument],
                 routes: VenueRoutes, view: Callable[[], DeskView], clock: Clock,
                 notify: Notify = lambda _: None, poll_seconds: float = DEFAULT_POLL_SECONDS,
                 reconcile_seconds: float = DEFAULT_RECONCILE_SECONDS,
                 accounts: Collection[str] = (), settle: Settle | None = None) -> None:
        self.venue = venue
        self.router = OrderRouter(store, venue, instruments, clock, notify, accounts)
        self.exits = ExitRouter(store, venue, instruments, clock, notify, accounts)
        self.updates = VenueUpdates(store, venue.name, clock, notify, accounts=accounts)
        self.reconciler = Reconciler(store, venue, routes, view, clock, notify, settle,
                                     accounts)
        self.poll_seconds = poll_seconds
        self.reconcile_seconds = reconcile_seconds
        self.reconcile_error = ""  # why the last reconciliation could not run ("" if it ran)

    def state(self) -> dict[str, object]:
        """The session as an operator sees it (/ready, `desk broker status`): the venue's
        own status, the last thing the venue refused or failed, the last reconciliation."""
        status = self.venue.status()
        failing = self.router.last_error or self.exits.last_error or self.reconcile_error
        last = self.reconciler.last
        return {
            "venue": status.venue, "connected": status.connected,
            "token_expires_at": _iso(status.token_expires_at),
            "last_update_at": _iso(status.last_update_at),
            "rate_headroom": dict(status.rate_headroom),
            "detail": "; ".join(d for d in (status.detail, failing) if d),
            "last_reconciliation": _iso(last.at) if last else None,
            "differences": len(last.differences) if last else None,
        }

    async def run(self, stop: asyncio.Event) -> None:
        """Reconcile, then route, listen and reconcile again every N seconds until `stop`."""
        listening = asyncio.create_task(self.listen())
        loop = asyncio.get_running_loop()
        due = loop.time()
        try:
            while not stop.is_set():
                if loop.time() >= due:
                    await self._reconcile()
                    due = loop.time() + self.reconcile_seconds
                await self.router.route()
                await self.exits.route()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_seconds)
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening

    async def _reconcile(self) -> None:
        try:
            await self.reconciler.reconcile()
            self.reconcile_error = ""
        except VenueError as e:
            self.reconcile_error = f"reconciliation: {e}"
            log.warning("reconciliation could not reach the venue", venue=self.venue.name,
                        error=str(e))

    async def listen(self) -> None:
        """Record the venue's updates as they come, listening again after a failure."""
        while True:
            try:
                async for update in self.venue.updates():
                    self.updates.record(update)
            except VenueError as e:
                log.warning("update stream failed, listening again", venue=self.venue.name,
                            error=str(e))
            await asyncio.sleep(self.poll_seconds)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None
