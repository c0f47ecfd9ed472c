"""The HTTP API pauses a strategy for one account of the seeded sample desk: the other
accounts keep running it, the table names the paused account, and an unknown account is a
409 that stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_api import V1, Served
from tests.integration.test_api import seeded as seeded  # the shared seeded-store fixture
from tests.served import copy_store


@pytest.fixture
def fresh(seeded: Path, tmp_path: Path) -> Iterator[Served]:
    with Served(copy_store(seeded, tmp_path)) as served:
        yield served


def test_pause_when_one_account_is_named_then_the_others_keep_running_the_strategy(
    fresh: Served,
) -> None:
    with fresh.client("amy") as approver:
        paused = approver.post(
            f"{V1}/strategies/momentum/pause",
            json={"reason": "client asked", "accounts": ["sip-aggressive"]},
        )
        head = fresh.head()
        unknown = approver.post(
            f"{V1}/strategies/momentum/pause", json={"reason": "typo", "accounts": ["nobody"]}
        )
        resumed = approver.post(
            f"{V1}/strategies/momentum/resume",
            json={"reason": "client agreed", "accounts": ["sip-aggressive"]},
        )
    assert paused.status_code == 200, paused.text
    strategy = paused.json()["strategies"][0]
    running = [a for accounts in strategy["running"].values() for a in accounts]
    assert strategy["status"] == "running" and running
    assert "sip-aggressive" not in running
    assert strategy["paused_accounts"] == {"sip-aggressive": "client asked (operator:amy)"}
    assert unknown.status_code == 409 and "nobody" in unknown.json()["detail"]
    assert fresh.head() == head + 1  # the refused pause stored nothing, the resume one
    back = resumed.json()["strategies"][0]
    assert "sip-aggressive" in [a for accounts in back["running"].values() for a in accounts]
    assert back["paused_accounts"] == {}
