"""`desk strategy show` on a DCA strategy published to the log: what it buys, on which
cron, as a plain entry, and when it next falls due after the log's last event."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from adapters.files.strategy_book import default_book
from cli.main import main
from projections.desk import DeskView
from streams.strategy_commands import PublishStrategies, handle
from streams.unit_of_work import UnitOfWork
from tests.fakes import FakeClock
from tests.unit.conftest import T0
from tests.unit.test_dca import DCA_FILE


def published(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    store = DeskStore(url)
    uow = UnitOfWork(store, FakeClock(T0))
    handle(PublishStrategies(actor="operator:ada", at=T0, correlation_id="publish",
                             text=DCA_FILE, source="test", strategy="tcs_dca"),
           uow, DeskView(), default_book())
    uow.commit()
    store.close()
    return url


def test_show_when_a_dca_strategy_is_logged_then_its_plan_and_next_due_time_are_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    url = published(tmp_path)

    assert main(["strategy", "show", "tcs_dca", "--store", url]) == 0
    text = capsys.readouterr().out
    assert main(["strategy", "show", "tcs_dca", "--json", "--store", url]) == 0
    data = json.loads(capsys.readouterr().out)

    # T0 is Monday 09:30 IST, the cron's own time: the next due time is Tuesday's.
    assert "buys ₹10000 of TCS at cron '30 9 * * 1-5' (IST) as a plain entry" in text
    assert "next due Tue 07 Jan 2025 09:30 IST" in text
    assert data["dca"]["symbol"] == "TCS" and data["dca"]["amount"] == "10000"
    assert datetime.fromisoformat(data["dca"]["next_due"]) == T0 + timedelta(days=1)
