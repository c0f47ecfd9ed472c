"""The HTTP API shows a DCA strategy as the strategies page needs it (symbol, amount,
schedule, the next due time at the desk's time) and retires it for one account: an admin
may, an approver may not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from domain.session import IST
from tests.integration.test_api import V1, Served
from tests.integration.test_api import seeded as seeded  # the shared seeded-store fixture
from tests.served import copy_store

DCA_TEXT = """
version: dca-console-1
strategies:
  tcs_dca:
    kind: dca
    direction: long
    symbol: TCS
    amount: 10000
    schedule: "30 9 * * 1-5"
"""


@pytest.fixture
def fresh(seeded: Path, tmp_path: Path) -> Iterator[Served]:
    with Served(copy_store(seeded, tmp_path)) as served:
        yield served


def _running(strategy: dict[str, object]) -> list[str]:
    running = strategy["running"]
    assert isinstance(running, dict)
    return [a for accounts in running.values() for a in accounts]


def test_dca_when_published_and_retired_for_one_account_then_plan_shown_and_others_run(
    fresh: Served,
) -> None:
    with fresh.client("ada") as admin, fresh.client("amy") as approver:
        published = admin.post(f"{V1}/strategies/publish", json={"text": DCA_TEXT})
        version = published.json()["strategies"][0]["versions"][0]["version_id"]
        admin.post(f"{V1}/strategies/tcs_dca/deploy", json={"version_id": version})
        listed = admin.get(f"{V1}/strategies").json()["strategies"]
        refused = approver.post(
            f"{V1}/strategies/tcs_dca/retire",
            json={"reason": "not mine", "accounts": ["sip-aggressive"]},
        )
        retired = admin.post(
            f"{V1}/strategies/tcs_dca/retire",
            json={"reason": "client asked", "accounts": ["sip-aggressive"]},
        )
        momentum = admin.get(f"{V1}/strategies/momentum").json()

    dca = next(s for s in listed if s["name"] == "tcs_dca")
    plan = dca["dca"]
    assert (dca["kind"], plan["symbol"], plan["amount"], plan["schedule"]) == (
        "dca",
        "TCS",
        "10000",
        "30 9 * * 1-5",
    )
    # The sample day is Friday 20 Nov, seeded to 13:35 IST: the next buy is Monday's.
    assert datetime.fromisoformat(plan["next_due"]) == datetime(2026, 11, 23, 9, 30, tzinfo=IST)
    assert refused.status_code == 403
    assert retired.status_code == 200, retired.text
    after = retired.json()["strategies"][0]
    assert "sip-aggressive" in _running(dca) and "sip-aggressive" not in _running(after)
    assert _running(after) and after["dca"]["next_due"] == plan["next_due"]
    assert momentum["dca"] is None
