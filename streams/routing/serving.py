"""The venue sessions a serving desk runs (`desk serve`): one for each remote broker an
account is linked to by `desk broker add`, so approved cards of those accounts route to the
venue, its updates stream in, and reconciliation runs every N seconds.

Several accounts at one broker each trade under their own login: their own adapter
(credentials, token, rate limiter, journal in the account's state directory), router
position, update stream and reconciliation, so nothing one login reports lands on another
account. A link that cannot be opened (a credential unreadable) is reported in the status,
never a crash; a missing or expired token shows as that adapter's AUTH refusals in its
account's status while the other accounts trade on, and the session keeps asking, so a
fresh `desk broker login` is picked up without a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import structlog

from adapters.brokers.credentials import CredentialError
from adapters.brokers.logins import Link
from adapters.brokers.venues import AnyVenue, open_venue
from adapters.eventstore.store import DeskStore
from domain.events import BrokerConfigured
from domain.instruments import Instrument
from projections.desk import DeskView
from streams.ports import Clock
from streams.routing.reconcile import DEFAULT_RECONCILE_SECONDS, Settle
from streams.routing.routes import VenueRoutes
from streams.routing.session import VenueSession

log = structlog.get_logger("eventdesk.venue_sessions")

PAPER = "paper"


def broker_links(store: DeskStore) -> dict[str, Link]:
    """Each account's latest broker link, from the log."""
    links: dict[str, Link] = {}
    for r in store.read_all(types=(BrokerConfigured.event_type,)):
        p = r.event.payload
        if isinstance(p, BrokerConfigured):
            links[p.account_id] = Link(p.account_id, p.broker, p.credentials, p.settings)
    return links


def venue_routes(links: Mapping[str, Link]) -> VenueRoutes:
    """Every account linked to a remote broker trades there; the rest on paper."""
    return VenueRoutes(by_account={a: link.broker for a, link in links.items()
                                   if link.broker != PAPER})


@dataclass
class VenueSessions:
    """The running sessions, and why an account linked to a remote broker has none."""

    sessions: dict[str, VenueSession] = field(default_factory=dict)  # account -> session
    problems: dict[str, dict[str, object]] = field(default_factory=dict)  # account -> why not

    def states(self) -> list[dict[str, object]]:
        """Each linked account's venue session as an operator sees it, by account."""
        live = {a: s.state() for a, s in self.sessions.items()}
        return [{"account_id": a} | state for a, state in sorted((live | self.problems).items())]

    def records(self) -> list[dict[str, object]]:
        """The states as `desk serve` keeps them for `desk broker status`: the rate windows
        as the times of the requests they still count (the headroom is worked out when
        read), so a record changes only when something happens, not as time passes."""
        rows = []
        for state in self.states():
            session = self.sessions.get(str(state["account_id"]))
            usage = session.venue.status().rate_usage if session else {}
            rows.append({k: v for k, v in state.items() if k != "rate_headroom"}
                        | {"rate_usage": usage})
        return rows

    async def run(self, stop: asyncio.Event) -> None:
        """Run every session until `stop`, then close their venues."""
        try:
            await asyncio.gather(*(s.run(stop) for s in self.sessions.values()))
        finally:
            for session in self.sessions.values():
                await session.venue.close()


def open_sessions(store: DeskStore, links: Mapping[str, Link],
                  instruments: Mapping[str, Instrument], view: Callable[[], DeskView],
                  clock: Clock, reconcile_seconds: float = DEFAULT_RECONCILE_SECONDS,
                  opener: Callable[[Link], AnyVenue] = open_venue,
                  settle: Settle | None = None) -> VenueSessions:
    """A session for each account linked to a remote broker, under that account's own
    login; `settle` brings the view up to the log before each reconciliation compares."""
    routes = venue_routes(links)
    found = VenueSessions()
    for account_id, link in sorted(links.items()):
        if link.broker == PAPER:
            continue
        try:
            venue = opener(link)
        except CredentialError as e:
            found.problems[account_id] = _down(link.broker, f"credentials: {e}")
            continue
        found.sessions[account_id] = VenueSession(
            store, venue, instruments, routes, view, clock,
            reconcile_seconds=reconcile_seconds, accounts=(account_id,), settle=settle)
        log.info("venue session opened", account_id=account_id, venue=link.broker)
    return found


def _down(venue: str, detail: str) -> dict[str, object]:
    return {"venue": venue, "connected": False, "token_expires_at": None,
            "last_update_at": None, "rate_headroom": {}, "detail": detail,
            "last_reconciliation": None, "differences": None}
