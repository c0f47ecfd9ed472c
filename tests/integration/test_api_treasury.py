"""The HTTP API's intake conversation, treasury and transfers, on the seeded sample desk.

Same seeded store as `test_api` (three sample accounts funded with 10, 5 and 20 lakh,
buffers of 5%, 10% and 20%); every test that writes gets its own copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.test_api import V1, Served
from tests.integration.test_api import seeded as seeded  # the shared seeded-store fixture
from tests.served import copy_store

ANSWERS = {
    "goal": "growth", "capital": "5 lakh now, then SIP 25,000 on the 5th for 6 months",
    "risk": "1% per trade, 20% max position", "loss_limits": "10,000 a day and 8%",
    "horizon": "swing", "sectors": "none", "cash_buffer": "10", "approval": "manual",
}


@pytest.fixture
def fresh(seeded: Path, tmp_path: Path) -> Iterator[Served]:
    with Served(copy_store(seeded, tmp_path)) as served:
        yield served


def _start(client: httpx.Client, account_id: str = "growth-ravi") -> httpx.Response:
    return client.post(f"{V1}/intake", json={"account_id": account_id, "name": "Ravi — growth"})


def _answer_all(client: httpx.Client, session_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key in ANSWERS:
        response = client.post(f"{V1}/intake/{session_id}/answer", json={"text": ANSWERS[key]})
        assert response.status_code == 200, response.text
        body = response.json()
    return body


# Intake -----------------------------------------------------------------------------------
def test_intake_when_answered_and_confirmed_then_account_opens_with_plan_and_admin_as_actor(
    fresh: Served,
) -> None:
    head = fresh.head()
    with fresh.client("ada") as admin:
        started = _start(admin).json()
        assert (started["step"], started["question"]["key"]) == ("ask", "goal")
        assert started["question"]["number"] == 1 and started["question"]["total"] == 8
        assert fresh.head() == head  # nothing is stored until confirmed

        summary = _answer_all(admin, started["session_id"])
        confirmed = admin.post(f"{V1}/intake/{started['session_id']}/confirm")
        again = admin.post(f"{V1}/intake/{started['session_id']}/confirm")

    assert summary["step"] == "confirm" and summary["question"] is None
    assert "Capital: ₹5,00,000 deposited now" in summary["summary"]
    assert confirmed.status_code == 200, confirmed.text
    opened = confirmed.json()
    account = opened["account"]
    assert (account["account_id"], account["mandate_version"]) == ("growth-ravi", 1)
    assert account["mandate_history"][0]["actor"] == "operator:ada"
    assert (account["cash"]["available"], account["cash"]["buffer"]) == ("450000.00",
                                                                         "50000.00")
    assert opened["funding_plan"]["sip"] == {"amount": "25000.00", "day_of_month": 5,
                                             "count": 6}
    events = [e for e in fresh.client("ada").get(f"{V1}/events", params={
        "stream": "account-growth-ravi"}).json()["events"]]
    assert [e["type"] for e in events] == ["AccountOpened", "MandateSet", "CashDeposited",
                                           "FundingPlanSet"]
    assert {e["actor"] for e in events} == {"operator:ada"}
    assert [e["event_id"] for e in events] == opened["event_ids"]
    assert again.status_code == 404 and again.json()["field"] == "session_id"


def test_intake_when_an_answer_is_bad_then_422_names_question_and_reason_and_reasks(
    fresh: Served,
) -> None:
    head = fresh.head()
    with fresh.client("ada") as admin:
        session_id = _start(admin).json()["session_id"]
        admin.post(f"{V1}/intake/{session_id}/answer", json={"text": "growth"})
        bad = admin.post(f"{V1}/intake/{session_id}/answer", json={"text": "lots"})
        better = admin.post(f"{V1}/intake/{session_id}/answer", json={"text": "10 lakh"})

    assert bad.status_code == 422
    body = bad.json()
    assert (body["error"], body["field"], body["session_id"]) == ("answer_not_taken", "text",
                                                                  session_id)
    assert body["question"]["key"] == "capital" and body["question"]["number"] == 2
    assert body["reason"].startswith("capital must start with the amount deposited now")
    assert better.status_code == 200
    assert better.json()["question"]["key"] == "risk"
    assert fresh.head() == head


def test_intake_when_confirmed_early_or_account_exists_then_409_and_nothing_stored(
    fresh: Served,
) -> None:
    head = fresh.head()
    with fresh.client("ada") as admin:
        session_id = _start(admin).json()["session_id"]
        early = admin.post(f"{V1}/intake/{session_id}/confirm")
        taken = _start(admin, "sip-aggressive")
        bad_id = _start(admin, "no spaces allowed")

    assert early.status_code == 409 and "question 1 of 8 is still unanswered" in early.text
    assert taken.status_code == 409 and taken.json()["error"] == "account_exists"
    assert bad_id.status_code == 422 and bad_id.json()["field"] == "account_id"
    assert fresh.head() == head


def test_intake_when_not_admin_then_401_or_403_and_no_session_is_started(
    fresh: Served,
) -> None:
    with fresh.client("ada") as admin:
        session_id = _start(admin).json()["session_id"]
    for name, status in ((None, 401), ("vic", 403), ("amy", 403)):
        with fresh.client(name) as client:
            assert _start(client).status_code == status
            answered = client.post(f"{V1}/intake/{session_id}/answer", json={"text": "growth"})
            assert answered.status_code == status
    with fresh.client("ada") as admin:  # the session still waits on its first question
        response = admin.post(f"{V1}/intake/{session_id}/answer", json={"text": "growth"})
    assert response.json()["question"]["key"] == "capital"


# Treasury and transfers -------------------------------------------------------------------
# event-tactical holds 5 lakh, 50,000 of it buffer: 4,50,000.01 would dip into the buffer.
SWEEP = {"from_account": "event-tactical", "to_account": "sip-aggressive",
         "amount": "450000.01", "reason": "sweep everything"}

def test_treasury_when_read_then_desk_totals_are_the_sum_of_accounts_by_state(
    fresh: Served,
) -> None:
    with fresh.client("vic") as viewer:
        report = viewer.get(f"{V1}/treasury").json()

    assert report["desk"]["total"] == "3500000.00"
    assert report["desk"]["buffer"] == "500000.00"  # 50k + 50k + 4 lakh
    assert report["desk"]["deployable"] == report["desk"]["available"] == "3000000.00"
    assert [a["account_id"] for a in report["accounts"]] == [
        "event-tactical", "income-conservative", "sip-aggressive"]


def test_transfer_when_proposed_and_approved_by_another_admin_then_cash_moves_once(
    fresh: Served,
) -> None:
    proposal = {"from_account": "income-conservative", "to_account": "sip-aggressive",
                "amount": "250000.00", "reason": "rebalance towards growth"}
    with fresh.client("amy") as approver, fresh.client("ada") as admin:
        proposed = approver.post(f"{V1}/transfers", json=proposal).json()
        self_approval = approver.post(f"{V1}/transfers/{proposed['transfer_id']}/approve")
        approved = admin.post(f"{V1}/transfers/{proposed['transfer_id']}/approve")
        twice = admin.post(f"{V1}/transfers/{proposed['transfer_id']}/approve")
        cash = {c["account_id"]: c for c in admin.get(f"{V1}/cash").json()["cash"]}

    assert (proposed["status"], proposed["proposed_by"]) == ("PROPOSED", "operator:amy")
    assert self_approval.status_code == 403  # approving needs an admin
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("APPROVED",
                                                                          "operator:ada")
    assert twice.status_code == 409 and "already approved" in twice.json()["reason"]
    assert cash["income-conservative"]["total"] == "1750000.00"
    assert cash["sip-aggressive"]["total"] == "1250000.00"
    # Funded capital moved too, so each buffer follows its account's new capital.
    assert cash["income-conservative"]["buffer"] == "350000.00"
    assert cash["sip-aggressive"]["buffer"] == "62500.00"


def test_transfer_when_self_approved_or_unknown_then_refused_and_no_cash_moves(
    fresh: Served,
) -> None:
    with fresh.client("ada") as admin:
        proposed = admin.post(f"{V1}/transfers", json=SWEEP).json()
        own = admin.post(f"{V1}/transfers/{proposed['transfer_id']}/approve")
        head = fresh.head()
        unknown = admin.post(f"{V1}/transfers/transfer-nope/approve")
        cash = {c["account_id"]: c["total"] for c in admin.get(f"{V1}/cash").json()["cash"]}

    assert own.status_code == 409 and "another admin must approve it" in own.json()["reason"]
    assert unknown.status_code == 404 and unknown.json()["field"] == "transfer_id"
    assert cash["event-tactical"] == "500000.00"
    assert fresh.head() == head


def test_transfer_when_approved_beyond_available_then_409_naming_the_buffer(
    fresh: Served,
) -> None:
    with fresh.client("amy") as approver, fresh.client("ada") as admin:
        transfer_id = approver.post(f"{V1}/transfers", json=SWEEP).json()["transfer_id"]
        head = fresh.head()
        refused = admin.post(f"{V1}/transfers/{transfer_id}/approve")
        listed = admin.get(f"{V1}/transfers").json()["transfers"]

    assert refused.status_code == 409
    assert "exceeds available 450000.00 of event-tactical" in refused.json()["reason"]
    assert fresh.head() == head
    assert [t["status"] for t in listed] == ["PROPOSED"]
