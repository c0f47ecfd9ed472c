"""`desk serve` trades accounts linked (`desk broker add`) to Zerodha Kite and to an IBKR
Client Portal gateway, at their local fakes: a card approved over the API reaches the
venue in the venue's own shape (Kite: the entry, then the two-leg GTT once the entry has
filled; IBKR: the parent and its two children in one request), the fake fills the entry,
the fill is in the desk's positions and cash, and `desk broker status` shows the running
session, connected and reconciled."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.brokers.credentials import write_secret_file
from adapters.brokers.ibkr import IbkrConfig
from adapters.brokers.ibkr.orders import coid_for
from adapters.brokers.zerodha.parsing import client_tag
from devtools.venues.ibkr import IbkrGateway
from devtools.venues.ibkr import start as start_ibkr
from devtools.venues.ibkr_app import ACCOUNT as IBKR_ACCOUNT
from devtools.venues.zerodha import KiteFake
from domain.values import Leg
from tests.e2e.linked_desk import QUANTITY, Linked, seed_linked
from tests.e2e.test_broker_cli import FakeLoop
from tests.e2e.test_serve_venues import TOKENS, client, reconciled_status, until
from tests.served import DeskServer

D = Decimal
ENTRY = D("500.00")


@pytest.fixture
def loop() -> Iterator[FakeLoop]:
    running = FakeLoop()
    yield running
    running.stop()


def on(loop: FakeLoop, act: Callable[[], object]) -> None:
    """Act as the exchange on the fake's own loop (its pushes are queued there)."""

    async def acting() -> None:
        act()

    loop.run(acting())


def served_trade(
    db: Path,
    at_venue: Callable[[str], object],
    fill: Callable[[str], None],
    capsys: pytest.CaptureFixture[str],
) -> dict[str, Any]:
    """Serve `db`, approve acc-1's card, wait for its bracket `at_venue`, `fill` the entry;
    what the desk then shows: order, position, cash, venue row and broker status."""
    server = DeskServer(db, TOKENS, "--reconcile-seconds", "1")
    try:
        with client(server, "amy") as amy:
            approved = amy.post("/api/v1/cards/card-acc-1/approve")
            order = until(lambda: amy.get("/api/v1/orders").json()["orders"])[0]
            until(lambda: at_venue(order["order_id"]))
            fill(order["order_id"])
            filled_at = datetime.now(UTC).isoformat()
            held = until(
                lambda: [
                    p
                    for p in amy.get("/api/v1/positions").json()["positions"]
                    if p["symbol"] == "TCS" and p["quantity"]
                ]
            )
            cash = amy.get("/api/v1/accounts/acc-1").json()["cash"]
            venue = until(
                lambda: [
                    v
                    for v in amy.get("/ready").json().get("venues", [])
                    if (v["last_reconciliation"] or "") > filled_at
                ]
            )[0]
        shown = until(lambda: reconciled_status(db, capsys))
    finally:
        server.stop()
    assert approved.status_code == 200, approved.text
    return {"order": order, "held": held[0], "cash": cash, "venue": venue, "shown": shown}


def assert_traded(seen: dict[str, Any], venue: str) -> None:
    """The fill is the account's position and moved its cash; the session is up."""
    assert seen["held"]["account_id"] == "acc-1" and seen["held"]["quantity"] == QUANTITY
    assert D(str(seen["held"]["average_price"])) == ENTRY
    assert D(str(seen["cash"]["deployed"])) >= ENTRY * QUANTITY
    assert D(str(seen["cash"]["available"])) < D("100000") - ENTRY * QUANTITY
    assert (seen["venue"]["venue"], seen["venue"]["connected"]) == (venue, True)
    assert seen["venue"]["differences"] == 0  # desk and venue agree after the fill
    assert '"running_session"' in seen["shown"] and '"connected": true' in seen["shown"]


def test_serve_when_an_account_is_linked_to_kite_then_the_entry_fills_and_its_gtt_is_armed(
    tmp_path: Path,
    loop: FakeLoop,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key, secret, token = (secrets.token_hex(8) for _ in range(3))
    fake = KiteFake(api_key=key, api_secret=secret, access_token=token, tag_of=client_tag)
    runner = loop.run(fake.start("127.0.0.1", 0))
    monkeypatch.setenv("KITE_API_KEY_ACC1", key)  # the link names where, never the value
    monkeypatch.setenv("KITE_API_SECRET_ACC1", secret)
    state = tmp_path / "acc-1-state"
    write_secret_file(state / "kite.token", token)  # as `desk broker login` stores it
    db = seed_linked(
        tmp_path / "desk.db",
        Linked(
            "acc-1",
            "zerodha",
            {"api_url": fake.url, "ticker_url": fake.ticker_url, "state_dir": str(state)},
            {
                "KITE_API_KEY": "env:KITE_API_KEY_ACC1",
                "KITE_API_SECRET": "env:KITE_API_SECRET_ACC1",
            },
        ),
    )
    try:
        seen = served_trade(
            db,
            lambda order_id: fake.placed_count(order_id) == 1,
            lambda order_id: on(loop, lambda: fake.fill(order_id, Leg.ENTRY, ENTRY)),
            capsys,
        )
        order_id = seen["order"]["order_id"]
        gtts = [g for i, g in fake.gtts.items() if client_tag(order_id) in fake.gtt_tags[i]]
    finally:
        loop.run(runner.cleanup())

    assert_traded(seen, "zerodha")
    assert fake.placed_count(order_id) == 1  # one entry, never sent twice
    assert len(gtts) == 1 and gtts[0]["type"] == "two-leg" and gtts[0]["status"] == "active"
    assert sorted(o["transaction_type"] for o in gtts[0]["orders"]) == ["SELL", "SELL"]
    assert token not in seen["shown"] and secret not in seen["shown"]


def test_serve_when_an_account_is_linked_to_ibkr_then_parent_and_children_reach_the_gateway(
    tmp_path: Path,
    loop: FakeLoop,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gateway = IbkrGateway()
    runner, base_url = loop.run(start_ibkr(gateway))
    db = seed_linked(
        tmp_path / "desk.db",
        Linked(
            "acc-1",
            "ibkr",
            {
                "base_url": base_url,
                "account_id": IBKR_ACCOUNT,
                "state_dir": str(tmp_path / "acc-1-state"),
            },
        ),
    )

    def coid(order_id: str) -> str:
        return coid_for(order_id, IbkrConfig.coid_max_length)

    try:
        seen = served_trade(
            db,
            lambda order_id: gateway.placed_count(coid(order_id)) == 1,
            lambda order_id: on(loop, lambda: gateway.fill(coid(order_id), Leg.ENTRY, ENTRY)),
            capsys,
        )
        parent = coid(seen["order"]["order_id"])
        children = sorted(o.order_type for o in gateway.book if o.parent_coid == parent)
        working = sorted(o.status for o in gateway.book if o.parent_coid == parent)
    finally:
        loop.run(runner.cleanup())

    assert_traded(seen, "ibkr")
    assert gateway.placed_count(parent) == 1
    assert children == ["LMT", "STP"]  # the target and the stop, under the parent
    assert "Cancelled" not in working and "Filled" not in working  # both exits working
