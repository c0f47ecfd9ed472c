"""`desk broker status` and the session state `desk serve` keeps for it: the order-rate
headroom left after the desk's own orders (worked out when read, so it stays true as the
windows roll), token expiry and connection; and the state file written only when the
session's state changed."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.brokers.logins import Link
from adapters.brokers.upstox.session import AccessToken, save_token
from adapters.eventstore.store import DeskStore
from cli.main import main
from cli.serve_venues import STATE_FILE, running_state, write_states
from devtools.venues import upstox as upstox_fake
from devtools.venues.upstox import INSTRUMENTS_PATH, FakeUpstox
from domain.aggregates import BrokerAccount
from domain.ids import broker_stream
from domain.venue import BracketRequest
from projections.desk import DeskView
from streams.bootstrap import wall_clock
from streams.routing.serving import VenueSessions, broker_links, open_sessions
from tests.unit.conftest import cause

D = Decimal
ORDERS = 3


def bracket(n: int) -> BracketRequest:
    return BracketRequest(
        client_order_id=f"order-status-{n}",
        symbol="INFY",
        isin="INE009A01021",
        quantity=10,
        stop=D("1450.00"),
        target=D("1560.00"),
        intraday=False,
        reference_price=D("1500.00"),
    )


def link_account(db: str, fake: FakeUpstox, state: Path) -> None:
    store = DeskStore(db)
    link = BrokerAccount(broker_stream("acc-1"))
    settings = {
        "api_host": fake.base_url,
        "order_host": fake.base_url,
        "instruments_url": fake.base_url + INSTRUMENTS_PATH,
        "state_dir": str(state),
    }
    link.configure("acc-1", "upstox", {"api_key": "env:UPSTOX_API_KEY"}, settings, "test", cause())
    store.commit(link)
    store.close()
    save_token(
        state / "upstox" / "token.json", AccessToken(fake.token, datetime(2100, 1, 1, tzinfo=UTC))
    )


def serve_orders(tmp_path: Path, orders: int) -> tuple[str, Link, list[bool]]:
    """acc-1 linked to a fake Upstox, `orders` brackets placed through its venue session,
    and the session state written as `desk serve` writes it, after each step; which of
    those writes touched the file."""
    db = f"sqlite:///{tmp_path / 'desk.db'}"

    async def main_() -> tuple[Link, list[bool]]:
        fake, runner = await upstox_fake.start()
        link_account(db, fake, tmp_path / "acc-1-state")
        store = DeskStore(db)
        links = broker_links(store)
        sessions: VenueSessions = open_sessions(store, links, {}, DeskView, wall_clock)
        venue = sessions.sessions["acc-1"].venue
        path = links["acc-1"].state_dir / STATE_FILE
        written: dict[str, str] = {}
        touched = []

        def write() -> None:
            path.unlink(missing_ok=True)
            write_states(sessions, links, written=written)
            touched.append(path.exists())

        try:
            write()  # the session opens
            write()  # nothing happened since
            for n in range(orders):
                assert (await venue.place_bracket(bracket(n))).accepted
            write()  # the orders went out
        finally:
            await venue.close()
            await runner.cleanup()
            store.close()
        return links["acc-1"], touched

    link, touched = asyncio.run(main_())
    return db, link, touched


def last_sent(link: Link) -> float:
    state = json.loads((link.state_dir / STATE_FILE).read_text())
    return max(state["rate_usage"]["sent_at"])


def test_status_when_n_orders_went_out_then_headroom_is_n_less_in_the_second_and_minute(
    tmp_path: Path,
) -> None:
    _, link, _ = serve_orders(tmp_path, ORDERS)
    sent = last_sent(link)

    soon = running_state(link, datetime.fromtimestamp(sent + 0.5, UTC))
    later = running_state(link, datetime.fromtimestamp(sent + 5, UTC))

    assert soon is not None and later is not None
    assert soon["rate_headroom_now"] == {
        "10/1s": 10 - ORDERS,
        "500/60s": 500 - ORDERS,
        "2000/1800s": 2000 - ORDERS,
    }
    assert later["rate_headroom_now"]["10/1s"] == 10  # the second rolled on
    assert later["rate_headroom_now"]["500/60s"] == 500 - ORDERS


def test_state_file_when_nothing_changed_then_not_written_again_and_when_orders_went_then_it_is(
    tmp_path: Path,
) -> None:
    _, _, touched = serve_orders(tmp_path, ORDERS)

    assert touched == [True, False, True]


def test_broker_status_when_a_session_ran_then_it_shows_headroom_token_expiry_and_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _, _ = serve_orders(tmp_path, ORDERS)
    capsys.readouterr()

    assert main(["broker", "status", "--json", "--store", db]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    assert main(["broker", "status", "--store", db]) == 0
    text = capsys.readouterr().out

    running = rows[0]["running_session"]
    assert running["rate_headroom_now"]["500/60s"] == 500 - ORDERS
    assert running["token_expires_at"].startswith("2100-01-01")
    assert "rate_usage" not in running
    assert "token expires 2100-01-01" in text and "500/60s: 497 left" in text
