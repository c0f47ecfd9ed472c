"""An account's approval policy over the HTTP API, on the seeded sample desk: read in the
account view and on its own, put in force by an admin with a reason (a mandate version
whose actor is the admin), refused to a viewer, invalid policies a 422."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_api import V1, Served
from tests.integration.test_api import seeded as seeded  # the shared seeded-store fixture
from tests.served import copy_store

ACCOUNT = f"{V1}/accounts/sip-aggressive"
JUDGED = {
    "name": "judged-daytime",
    "mode": "auto",
    "max_notional": "200000",
    "approve_verdicts": ["support"],
    "window_start": "09:30",
    "window_end": "14:30",
    "reject_verdicts": ["oppose"],
}


@pytest.fixture
def fresh(seeded: Path, tmp_path: Path) -> Iterator[Served]:
    with Served(copy_store(seeded, tmp_path)) as served:
        yield served


def test_approval_policy_when_set_by_an_admin_then_a_mandate_version_names_them(
    fresh: Served,
) -> None:
    with fresh.client("vic") as viewer:
        before = viewer.get(f"{ACCOUNT}/approval-policy").json()
    with fresh.client("ada") as admin:
        put = admin.put(
            f"{ACCOUNT}/approval-policy",
            json={"policy": JUDGED, "reason": "judge-backed cards only"},
        )
        again = admin.put(
            f"{ACCOUNT}/approval-policy",
            json={"policy": JUDGED, "reason": "judge-backed cards only"},
        )
        account = admin.get(ACCOUNT).json()

    assert (before["policy"]["name"], before["mandate_version"]) == ("manual", 1)
    assert put.status_code == 200, put.text
    body = put.json()
    assert (body["changed"], body["mandate_version"]) == (True, 2)
    assert body["words"].startswith(
        "judged-daytime (auto: approves when guardrails pass and "
        "notional ≤ ₹200000 and judge says support and "
        "09:30-14:30 IST"
    )
    assert again.json()["changed"] is False and again.json()["mandate_version"] == 2
    assert account["approval_policy"]["name"] == "judged-daytime"
    last = account["mandate_history"][-1]
    assert (last["actor"], last["reason"]) == (
        "operator:ada",
        "approval policy: judge-backed cards only",
    )


@pytest.mark.parametrize(
    ("who", "policy", "status"),
    [
        ("vic", JUDGED, 403),
        ("ada", {**JUDGED, "window_end": None}, 422),
        ("ada", {**JUDGED, "approve_verdicts": ["maybe"]}, 422),
    ],
)
def test_approval_policy_when_not_allowed_or_invalid_then_refused_and_nothing_recorded(
    fresh: Served,
    who: str,
    policy: dict[str, object],
    status: int,
) -> None:
    head = fresh.head()
    with fresh.client(who) as client:
        response = client.put(
            f"{ACCOUNT}/approval-policy", json={"policy": policy, "reason": "try"}
        )

    assert response.status_code == status, response.text
    assert fresh.head() == head
