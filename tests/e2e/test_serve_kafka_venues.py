"""`desk serve --runtime kafka` trades an account linked to Upstox at the local Upstox fake:
the worker records the approved card's order for the venue, the serve process's venue
session sends it to the fake as one GTT, the fake's fill comes back as the order's events,
and the account ends with the same position and cash as the embedded `desk serve` run of
the same store against a fake of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from devtools.venues import upstox as upstox_fake
from devtools.venues.upstox import FakeUpstox
from streams.kafka.stack import KafkaStack
from tests.e2e.test_broker_cli import FakeLoop
from tests.e2e.test_serve_venues import TOKENS, client, linked_store, until
from tests.served import DeskServer

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(900)]

D = Decimal
# Long enough for a relay, a faust worker and the API on a loaded two-core machine.
SECONDS = 180.0


@pytest.fixture
def fakes() -> Iterator[FakeLoop]:
    loop = FakeLoop()
    yield loop
    loop.stop()


def _trade(db: Path, fake: FakeUpstox, *serve_args: str) -> dict[str, Any]:
    """Serve `db`, approve card-1, fill its GTT's entry at the fake at 500 and wait for the
    position and a clean reconciliation after it; what the desk then shows."""
    server = DeskServer(db, TOKENS, "--reconcile-seconds", "1", *serve_args)
    try:
        with client(server, "amy") as amy:
            approved = until(lambda: _approve(amy), SECONDS)
            gtt = until(lambda: next(iter(fake.gtts), None), SECONDS)
            fake.fill_rule(gtt, "ENTRY", D("500.00"))
            filled_at = datetime.now(UTC).isoformat()
            positions = until(
                lambda: [
                    p
                    for p in amy.get("/api/v1/positions").json()["positions"]
                    if p["symbol"] == "TCS" and p["quantity"]
                ],
                SECONDS,
            )
            venues = until(
                lambda: [
                    v
                    for v in amy.get("/ready").json().get("venues", [])
                    if (v["last_reconciliation"] or "") > filled_at
                ],
                SECONDS,
            )
            account = until(lambda: _settled(amy.get("/api/v1/accounts/acc-1").json()), SECONDS)
            order = amy.get("/api/v1/orders").json()["orders"][0]
            breaks = amy.get("/api/v1/events", params={"type": "ReconciliationBreak"}).json()[
                "events"
            ]
    finally:
        server.stop()
    return {
        "approved": approved,
        "positions": positions,
        "venue": venues[0],
        "account": account,
        "order": order,
        "breaks": breaks,
    }


def _approve(amy: Any) -> dict[str, Any] | None:
    """Approve card-1 once the served view shows it (the workers' views may lag)."""
    response = amy.post("/api/v1/cards/card-1/approve")
    return response.json() if response.status_code == 200 else None


def _settled(account: dict[str, Any]) -> dict[str, Any] | None:
    """The account once its cash shows the fill (deployed, nothing left reserved)."""
    cash = account.get("cash") or {}
    filled = cash and D(str(cash["reserved"])) == 0 and D(str(cash["deployed"])) > 0
    return account if filled else None


def _stable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the wall-clock times two runs cannot share."""
    return [{k: v for k, v in row.items() if not k.endswith("_at")} for row in rows]


def test_serve_when_runtime_is_kafka_and_an_account_is_linked_to_upstox_then_it_trades_there_as_embedded(  # noqa: E501
    tmp_path: Path,
    kafka_broker: Any,
    fakes: FakeLoop,
) -> None:
    embedded_fake, embedded_runner = fakes.run(upstox_fake.start())
    kafka_fake, kafka_runner = fakes.run(upstox_fake.start())
    (tmp_path / "embedded").mkdir()
    (tmp_path / "kafka").mkdir()
    try:
        embedded = _trade(linked_store(tmp_path / "embedded", embedded_fake), embedded_fake)
        db = linked_store(tmp_path / "kafka", kafka_fake)
        stack = KafkaStack(
            f"sqlite:///{db}",
            kafka_broker.bootstrap,
            partitions=3,
            workers=1,
            approver=None,
            namespace=f"v{uuid.uuid4().hex[:10]}",
            log_dir=tmp_path / "kafka" / "logs",
        )
        stack.start()
        try:
            kafka = _trade(
                db, kafka_fake, "--runtime", "kafka", "--bootstrap", kafka_broker.bootstrap
            )
        finally:
            stack.stop()
    finally:
        fakes.run(embedded_runner.cleanup())
        fakes.run(kafka_runner.cleanup())

    assert len(kafka_fake.gtts) == 1, "one bracket at the venue"
    assert kafka["order"]["fills"]
    assert kafka["order"]["entry_price"] == embedded["order"]["entry_price"]
    assert kafka["positions"][0]["account_id"] == "acc-1"
    assert kafka["positions"][0]["quantity"] == 30
    assert _stable(kafka["positions"]) == _stable(embedded["positions"])
    assert kafka["account"]["cash"] == embedded["account"]["cash"]
    assert kafka["venue"]["differences"] == 0 and kafka["breaks"] == []
