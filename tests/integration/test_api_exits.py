"""Operator exits and the desk loss limit over the HTTP API, on a copy of the seeded sample
day (13:35 IST, three BAJAJ-AUTO cards waiting): who may exit, what is logged, and that a
tripped kill switch does not stop an exit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.bootstrap import bootstrap, wall_clock
from tests.integration.test_api import TOKENS, V1
from tests.served import INSTRUMENTS, WAITING, ServedApi, copy_store, seed_sample_day

SIP, TACTICAL, _ = WAITING


class Served(ServedApi):
    def __init__(self, db: Path) -> None:
        super().__init__(bootstrap(f"sqlite:///{db}", INSTRUMENTS, clock=wall_clock), TOKENS)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_sample_day(tmp_path_factory.mktemp("exits-seed") / "desk.db")


@pytest.fixture
def fresh(seeded: Path, tmp_path: Path) -> Iterator[Served]:
    with Served(copy_store(seeded, tmp_path)) as served:
        yield served


def test_cancel_order_when_desk_halted_then_cancelled_with_operator_and_reason_logged(
    fresh: Served,
) -> None:
    with fresh.client("amy") as approver, fresh.client("ada") as admin:
        order_id = approver.post(f"{V1}/cards/{SIP}/approve").json()["order"]["order_id"]
        admin.post(f"{V1}/desk/halt", json={"reason": "drill"})

        response = approver.post(f"{V1}/orders/{order_id}/cancel",
                                 json={"reason": "thesis broken"})
        events = approver.get(f"{V1}/events", params={"stream": order_id}).json()["events"]

    assert response.status_code == 200
    assert response.json()["orders"] == [{
        "order_id": order_id, "account_id": "sip-aggressive", "symbol": "BAJAJ-AUTO",
        "action": "CANCEL", "status": "CANCELLED", "exit_pending": False, "refused": None}]
    requested = [e for e in events if e["type"] == "ExitRequested"]
    assert [(e["actor"], e["payload"]["reason"]) for e in requested] == [
        ("operator:amy", "thesis broken")]
    assert events[-1]["type"] == "OrderCancelled"


def test_flatten_account_when_viewer_asks_then_403_and_nothing_logged(fresh: Served) -> None:
    head = fresh.head()
    with fresh.client("vic") as viewer:
        response = viewer.post(f"{V1}/accounts/sip-aggressive/flatten", json={"reason": "x"})
    assert response.status_code == 403
    assert fresh.head() == head


def test_flatten_desk_when_orders_work_in_two_accounts_then_both_cancelled(
    fresh: Served,
) -> None:
    with fresh.client("amy") as approver, fresh.client("ada") as admin:
        for card in (SIP, TACTICAL):
            approver.post(f"{V1}/cards/{card}/approve")
        by_approver = approver.post(f"{V1}/desk/flatten", json={"reason": "close early"})
        response = admin.post(f"{V1}/desk/flatten", json={"reason": "close early"})
        again = admin.post(f"{V1}/desk/flatten", json={"reason": "close early"})

    assert by_approver.status_code == 403  # the whole desk is an admin's call
    assert response.status_code == 200
    assert sorted(o["status"] for o in response.json()["orders"]) == ["CANCELLED"] * 2
    assert again.status_code == 409 and "nothing to exit" in again.json()["reason"]


def test_close_position_when_none_held_then_409_and_unknown_account_404(fresh: Served) -> None:
    with fresh.client("amy") as approver:
        none_held = approver.post(f"{V1}/positions/sip-aggressive/TCS/close",
                                  json={"reason": "out"})
        unknown = approver.post(f"{V1}/positions/nobody/TCS/close", json={"reason": "out"})
        no_order = approver.post(f"{V1}/orders/order-nope/cancel", json={"reason": "out"})
    assert none_held.status_code == 409 and "no open position" in none_held.json()["reason"]
    assert unknown.status_code == 404
    assert no_order.status_code == 404


def test_set_desk_loss_limit_when_admin_sets_it_then_the_desk_switch_carries_it(
    fresh: Served,
) -> None:
    with fresh.client("ada") as admin, fresh.client("amy") as approver:
        response = admin.post(f"{V1}/desk/loss-limit",
                              json={"limit": "25000", "reason": "desk risk budget"})
        refused = approver.post(f"{V1}/desk/loss-limit", json={"limit": "1", "reason": "x"})
    assert response.status_code == 200
    assert response.json()["limit"] == "25000" and response.json()["changed"] is True
    assert response.json()["kill_switch"]["tripped"] is False
    assert refused.status_code == 403
