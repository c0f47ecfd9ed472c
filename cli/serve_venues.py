"""`desk serve`'s venue sessions: every account linked to a remote broker (`desk broker
add ACCOUNT --broker upstox|zerodha|ibkr`) trades there while the desk serves.

Its approved cards route to the venue, the venue's updates stream in, and reconciliation
runs at start and every `--reconcile-seconds`. Each session's state is on `/ready`
(`venues`) and is written, owner-only, to the account's state directory
(`session.json`), where `desk broker status` reads it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from datetime import datetime

import structlog
from aiohttp import web

from adapters.brokers.credentials import write_secret_file
from adapters.brokers.logins import Link
from adapters.brokers.ratelimit import headroom_at
from adapters.eventstore.store import DeskStore
from api.context import STATE
from streams.bootstrap import AnyDesk
from streams.embedded import EmbeddedRuntime
from streams.routing.log_view import log_sessions
from streams.routing.routes import VenueRoutes
from streams.routing.serving import VenueSessions, broker_links, open_sessions, venue_routes

log = structlog.get_logger("eventdesk.serve")

STATE_FILE = "session.json"
WRITE_SECONDS = 2.0  # how often the state is looked at; the file is written if it changed


def linked(url: str) -> tuple[dict[str, Link], VenueRoutes]:
    """The accounts' broker links in the store at `url`, and the routes they make."""
    store = DeskStore(url)
    try:
        links = broker_links(store)
    finally:
        store.close()
    return links, venue_routes(links)


async def run_venues(desk: AnyDesk, links: Mapping[str, Link], app: web.Application,
                     stop: asyncio.Event, reconcile_seconds: float) -> None:
    """Run a session for each linked remote broker until `stop`, its state on /ready."""
    state = app[STATE]
    runtime = desk.runtime
    if isinstance(runtime, EmbeddedRuntime):
        async def settle() -> None:  # fold the log through the API's one writer
            await state.gate.write(runtime.pump)

        sessions = open_sessions(desk.store, links, desk.instruments, lambda: runtime.view,
                                 desk.clock, reconcile_seconds, settle=settle)
    else:  # the Kafka runtime: compare with the log itself, never the workers' lagging views
        sessions = log_sessions(desk.store, links, desk.instruments, desk.clock,
                                reconcile_seconds)
    state.venues = sessions.states
    for row in sessions.states():
        print(f"venue: {row['account_id']} at {row['venue']}"
              + (f" ({row['detail']})" if row["detail"] else
                 f", reconciling every {reconcile_seconds:g}s"), flush=True)
    running = asyncio.create_task(sessions.run(stop))
    written: dict[str, str] = {}
    try:
        while not stop.is_set():
            write_states(sessions, links, written=written)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), WRITE_SECONDS)
    finally:
        await asyncio.gather(running, return_exceptions=True)
        write_states(sessions, links, serving=False, written=written)


def write_states(sessions: VenueSessions, links: Mapping[str, Link], serving: bool = True,
                 written: dict[str, str] | None = None) -> None:
    """Each account's session state into its state directory, for `desk broker status`;
    a state equal to the one last written (`written`, by account) is not written again."""
    written = {} if written is None else written
    for state in sessions.records():
        account_id = str(state["account_id"])
        link = links[account_id]
        text = json.dumps(state | {"serving": serving}, indent=2)
        if written.get(account_id) == text:
            continue
        try:
            write_secret_file(link.state_dir / STATE_FILE, text)
            written[account_id] = text
        except OSError as e:
            log.warning("venue session state not written", account_id=link.account_id,
                        error=str(e))


def read_state(link: Link) -> dict[str, object] | None:
    """The session state a `desk serve` last wrote for this account (None: never)."""
    path = link.state_dir / STATE_FILE
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def running_state(link: Link, now: datetime) -> dict[str, object] | None:
    """The state a `desk serve` last wrote for this account, with each order rate window's
    headroom at `now` (`rate_headroom_now`) worked out from the requests it still counts."""
    state = read_state(link)
    if state is None:
        return None
    usage = state.get("rate_usage")
    now_s = now.timestamp()
    headroom = headroom_at(usage, now_s) if isinstance(usage, dict) else {}
    return {k: v for k, v in state.items() if k != "rate_usage"} | {
        "rate_headroom_now": headroom}
