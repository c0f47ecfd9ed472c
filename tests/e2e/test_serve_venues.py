"""`desk serve` trades an account linked to Upstox (`desk broker add`) at the local Upstox
fake: a card approved over the API becomes a GTT at the fake, the fake fills its entry, and
the fill is in the desk's positions; the session's state is on /ready and in `desk broker
status`. Without a token the desk still serves, and says why the venue is not trading."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.brokers.upstox.session import AccessToken, save_token
from adapters.eventstore.store import DeskStore
from cli.main import main
from devtools.venues import upstox as upstox_fake
from devtools.venues.upstox import INSTRUMENTS_PATH, FakeUpstox
from domain.aggregates import Account, BrokerAccount, TradeCard
from domain.ids import account_stream, broker_stream
from tests.e2e.test_broker_cli import FakeLoop
from tests.served import DeskServer
from tests.unit.conftest import T0, cause, mandate, proposal

D = Decimal
TOKENS = {"amy": ("approver", "approver-token-amy-0123456789"),
          "ada": ("admin", "admin-token-ada-0123456789")}


@pytest.fixture
def upstox() -> Iterator[FakeUpstox]:
    loop = FakeLoop()
    fake, runner = loop.run(upstox_fake.start())
    yield fake
    loop.run(runner.cleanup())
    loop.stop()


def linked_store(tmp_path: Path, fake: FakeUpstox, *, logged_in: bool = True) -> Path:
    """acc-1 linked to the fake, with card-1 (buy 30 TCS) waiting for an approver."""
    db, state = tmp_path / "desk.db", tmp_path / "acc-1-state"
    store = DeskStore(f"sqlite:///{db}")
    account = Account(account_stream("acc-1"))
    account.open("Asha Rao", cause())
    account.set_mandate(mandate(cash_buffer_pct=D("0")), "test", cause())
    account.deposit(D("100000.00"), "neft-1", cause())
    link = BrokerAccount(broker_stream("acc-1"))
    link.configure("acc-1", "upstox", {"api_key": "env:UPSTOX_API_KEY"}, {
        "api_host": fake.base_url, "order_host": fake.base_url,
        "instruments_url": fake.base_url + INSTRUMENTS_PATH, "state_dir": str(state)},
        "test", cause())
    card = TradeCard("card-1")
    card.propose(proposal(quantity=30, adv_value=D("1000000000"), sector="IT",
                          catalyst_at=T0), cause())
    store.commit(account, link, card)
    store.close()
    if logged_in:
        save_token(state / "upstox" / "token.json",
                   AccessToken(fake.token, datetime(2100, 1, 1, tzinfo=UTC)))
    return db


def until(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError("the desk never got there")
        time.sleep(0.1)
    return found


def reconciled_status(db: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """`desk broker status --json` once the running desk serve has written a reconciled
    session state (it does every few seconds); "" before."""
    capsys.readouterr()
    assert main(["broker", "status", "--json", "--store", f"sqlite:///{db}"]) == 0
    said = capsys.readouterr().out
    return said if '"last_reconciliation": "' in said else ""


def client(server: DeskServer, name: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10,
                        headers={"Authorization": f"Bearer {TOKENS[name][1]}"})


def test_serve_when_an_account_is_linked_to_upstox_then_an_approved_card_trades_there(
    tmp_path: Path, upstox: FakeUpstox, capsys: pytest.CaptureFixture[str],
) -> None:
    db = linked_store(tmp_path, upstox)
    server = DeskServer(db, TOKENS, "--reconcile-seconds", "1")
    try:
        with client(server, "amy") as amy:
            approved = amy.post("/api/v1/cards/card-1/approve")
            gtt = until(lambda: next(iter(upstox.gtts), None))
            upstox.fill_rule(gtt, "ENTRY", D("500.00"))
            filled_at = datetime.now(UTC).isoformat()
            held = until(lambda: [p for p in amy.get("/api/v1/positions").json()["positions"]
                                  if p["symbol"] == "TCS" and p["quantity"]])
            venues = until(lambda: [v for v in amy.get("/ready").json().get("venues", [])
                                    if (v["last_reconciliation"] or "") > filled_at])
            breaks = amy.get("/api/v1/events",
                             params={"type": "ReconciliationBreak"}).json()["events"]
        shown = until(lambda: reconciled_status(db, capsys))
    finally:
        server.stop()

    assert approved.status_code == 200, approved.text
    assert len(upstox.gtts) == 1
    assert held[0]["account_id"] == "acc-1" and held[0]["quantity"] == 30
    assert venues[0]["account_id"] == "acc-1" and venues[0]["venue"] == "upstox"
    assert venues[0]["connected"] and venues[0]["last_update_at"]
    assert venues[0]["differences"] == 0 and breaks == []  # desk and venue agree
    assert '"running_session"' in shown and '"connected": true' in shown
    assert upstox.token not in shown


def test_serve_when_the_token_is_missing_then_it_serves_and_says_why_the_venue_is_down(
    tmp_path: Path, upstox: FakeUpstox,
) -> None:
    db = linked_store(tmp_path, upstox, logged_in=False)
    server = DeskServer(db, TOKENS, "--reconcile-seconds", "1")
    try:
        with client(server, "amy") as amy:
            approved = amy.post("/api/v1/cards/card-1/approve")
            venues = until(lambda: [v for v in amy.get("/ready").json().get("venues", [])
                                    if "token" in v["detail"]])
            order = amy.get("/api/v1/orders").json()["orders"][0]
    finally:
        server.stop()

    assert approved.status_code == 200
    assert not venues[0]["connected"] and "desk broker login" in venues[0]["detail"]
    assert order["status"] == "PLACED"  # waits, unsent, until a login
    assert not upstox.gtts
