"""The notifications file's `[alerts]` section, and the EOD report's message."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from typing import Any

import pytest

from adapters.notify.alert_config import parse_alerts
from adapters.notify.config import NotifyConfigError
from domain.alerts import AlertRule
from domain.events import AccountDay, DailyReportPublished
from domain.notify import render
from tests.unit.conftest import TRADE_DATE, D

FILE = """
[alerts]
every_seconds = 2
card_expiry_warning_minutes = 10
workers = ["judge"]

[[alerts.rules]]
name = "view-behind"
kind = "view_lag"
threshold = 1000
hold_seconds = 30

[[alerts.rules]]
name = "losing"
kind = "daily_loss"
"""


def test_parse_alerts_when_the_file_names_rules_then_each_is_read_with_defaults() -> None:
    config = parse_alerts(tomllib.loads(FILE))

    assert config.rules == (
        AlertRule("view-behind", "view_lag", D(1000), 30),
        AlertRule("losing", "daily_loss", D("0.8"), 0),
    )
    assert config.every_seconds == 2 and config.expiry_lead == timedelta(minutes=10)
    assert config.workers == ("judge",)


def test_parse_alerts_when_there_is_no_section_then_only_expiry_warnings_run() -> None:
    config = parse_alerts({})

    assert config.rules == () and config.expiry_lead == timedelta(minutes=5)


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ({"rules": [{"name": "x", "kind": "cpu"}]}, "kind is one of"),
        ({"rules": [{"name": "Bad Name", "kind": "view_lag"}]}, "name is"),
        (
            {"rules": [{"name": "x", "kind": "view_lag", "threshold": "lots"}]},
            "threshold: a number",
        ),
        ({"rules": [{"name": "x", "kind": "view_lag", "hold_seconds": -1}]}, "hold_seconds"),
        (
            {"rules": [{"name": "x", "kind": "view_lag"}, {"name": "x", "kind": "worker_down"}]},
            "unique",
        ),
        ({"every_seconds": 0}, "every_seconds"),
        ({"workers": "judge"}, "workers"),
    ],
)
def test_parse_alerts_when_a_rule_is_wrong_then_the_error_names_it(
    section: dict[str, Any],
    named: str,
) -> None:
    with pytest.raises(NotifyConfigError, match=named):
        parse_alerts({"alerts": section})


def test_render_when_the_eod_report_is_published_then_operators_get_its_summary() -> None:
    report = DailyReportPublished(
        day=TRADE_DATE,
        as_of_position=42,
        accounts=(
            AccountDay(
                account_id="acc-1",
                name="Asha Rao",
                available=D("90000.00"),
                reserved=D("0"),
                deployed=D("5000.00"),
                buffer=D("5000.00"),
                deposits=D("100000.00"),
                realised_pnl=D("1250.50"),
                costs=D("42.10"),
                open_positions=1,
                cards_proposed=3,
                cards_approved=2,
                orders=2,
                halted=False,
            ),
        ),
    )

    rendered = render(report)

    assert rendered is not None
    topic, message = rendered
    assert topic == "reports" and message.card_id == ""
    assert message.text.splitlines() == [
        "EOD report 06 Jan 2025 (1 accounts)",
        "acc-1: realised ₹1250.50, costs ₹42.10, 1 open, cards 2/3 approved",
    ]
