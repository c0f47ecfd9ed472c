"""`desk serve` with two accounts at Upstox, each under its own login (two local fakes):
each approved card becomes a GTT at its own account's fake only, each fill lands on its
own account, and a dead token at one login leaves the other account trading."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.brokers.upstox.session import AccessToken, save_token
from devtools.venues import upstox as upstox_fake
from devtools.venues.upstox import INSTRUMENTS_PATH, FakeUpstox
from tests.e2e.linked_desk import Linked, seed_linked
from tests.e2e.test_broker_cli import FakeLoop
from tests.e2e.test_serve_venues import TOKENS, client, until
from tests.served import DeskServer

D = Decimal


@pytest.fixture
def logins() -> Iterator[tuple[FakeUpstox, FakeUpstox]]:
    """Two Upstox accounts (two fakes), numbering their orders apart as Upstox does."""
    loop = FakeLoop()
    started = [loop.run(upstox_fake.start(fake=FakeUpstox(first_id=n))) for n in (0, 500_000_000)]
    yield started[0][0], started[1][0]
    for _, runner in started:
        loop.run(runner.cleanup())
    loop.stop()


def link(tmp_path: Path, account_id: str, fake: FakeUpstox) -> Linked:
    """`account_id` linked to `fake`, its own credentials and state, logged in there."""
    state = tmp_path / f"{account_id}-state"
    save_token(
        state / "upstox" / "token.json", AccessToken(fake.token, datetime(2100, 1, 1, tzinfo=UTC))
    )
    env = account_id.upper().replace("-", "_")
    return Linked(
        account_id,
        "upstox",
        {
            "api_host": fake.base_url,
            "order_host": fake.base_url,
            "instruments_url": fake.base_url + INSTRUMENTS_PATH,
            "state_dir": str(state),
        },
        {"UPSTOX_API_KEY": f"env:UPSTOX_API_KEY_{env}"},
    )


def serve(tmp_path: Path, logins: tuple[FakeUpstox, FakeUpstox]) -> DeskServer:
    """`desk serve` on acc-1 (at the first login) and acc-2 (at the second)."""
    db = seed_linked(
        tmp_path / "desk.db",
        *(link(tmp_path, f"acc-{n}", fake) for n, fake in enumerate(logins, 1)),
    )
    return DeskServer(db, TOKENS, "--reconcile-seconds", "1")


def holding(amy: httpx.Client, account_id: str) -> list[dict[str, Any]]:
    return [
        p
        for p in amy.get("/api/v1/positions").json()["positions"]
        if p["account_id"] == account_id and p["symbol"] == "TCS" and p["quantity"]
    ]


def venue_rows(amy: httpx.Client) -> dict[str, dict[str, Any]]:
    return {v["account_id"]: v for v in amy.get("/ready").json().get("venues", [])}


def test_serve_when_two_accounts_trade_at_upstox_then_each_fill_lands_on_its_own_account(
    tmp_path: Path,
    logins: tuple[FakeUpstox, FakeUpstox],
) -> None:
    first, second = logins
    server = serve(tmp_path, logins)
    try:
        with client(server, "amy") as amy:
            approved = [
                amy.post(f"/api/v1/cards/card-{a}/approve").status_code for a in ("acc-1", "acc-2")
            ]
            gtts = [
                until(lambda fake=fake: next(iter(fake.gtts), None))  # type: ignore[misc]
                for fake in logins
            ]
            first.fill_rule(gtts[0], "ENTRY", D("500.00"))
            second.fill_rule(gtts[1], "ENTRY", D("510.00"))
            filled_at = datetime.now(UTC).isoformat()
            held = {
                a: until(lambda a=a: holding(amy, a))[0]  # type: ignore[misc]
                for a in ("acc-1", "acc-2")
            }
            venues = until(
                lambda: (
                    (rows := venue_rows(amy))
                    and all((r["last_reconciliation"] or "") > filled_at for r in rows.values())
                    and len(rows) == 2
                    and rows
                )
            )
            breaks = amy.get("/api/v1/events", params={"type": "ReconciliationBreak"}).json()[
                "events"
            ]
            orders = {o["account_id"]: o for o in amy.get("/api/v1/orders").json()["orders"]}
    finally:
        server.stop()

    assert approved == [200, 200]
    assert len(first.gtts) == 1 and len(second.gtts) == 1  # each at its own login only
    assert [held[a]["quantity"] for a in ("acc-1", "acc-2")] == [30, 30]
    assert D(str(held["acc-1"]["average_price"])) == D("500")
    assert D(str(held["acc-2"]["average_price"])) == D("510")
    assert D(str(orders["acc-1"]["entry_price"])) == D("500")
    assert D(str(orders["acc-2"]["entry_price"])) == D("510")
    assert {a: (v["venue"], v["connected"], v["differences"]) for a, v in venues.items()} == {
        "acc-1": ("upstox", True, 0),
        "acc-2": ("upstox", True, 0),
    }
    assert breaks == []
    for account_id in ("acc-1", "acc-2"):  # each session's own journal and state file
        state = tmp_path / f"{account_id}-state"
        assert (state / "session.json").exists()
        assert any((state / "upstox").glob("*journal*"))


def test_serve_when_one_logins_token_is_dead_then_the_other_account_trades_on(
    tmp_path: Path,
    logins: tuple[FakeUpstox, FakeUpstox],
) -> None:
    first, second = logins
    second.expire_session()  # acc-2's token is refused from here on
    server = serve(tmp_path, logins)
    try:
        with client(server, "amy") as amy:
            approved = [
                amy.post(f"/api/v1/cards/card-{a}/approve").status_code for a in ("acc-1", "acc-2")
            ]
            gtt = until(lambda: next(iter(first.gtts), None))
            first.fill_rule(gtt, "ENTRY", D("500.00"))
            held = until(lambda: holding(amy, "acc-1"))
            rows = until(lambda: (r := venue_rows(amy)) and r.get("acc-2", {}).get("detail") and r)
            orders = {o["account_id"]: o for o in amy.get("/api/v1/orders").json()["orders"]}
    finally:
        server.stop()

    assert approved == [200, 200]
    assert held[0]["quantity"] == 30
    assert rows["acc-1"]["connected"] and "token" not in rows["acc-1"]["detail"].lower()
    assert not rows["acc-2"]["connected"]
    assert "token" in rows["acc-2"]["detail"].lower()
    assert orders["acc-2"]["status"] == "PLACED" and not second.gtts  # waits, unsent
