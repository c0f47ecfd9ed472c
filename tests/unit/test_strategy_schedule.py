"""A strategy's schedule read from the strategy file: entry windows, days off, a cron; the
file's errors name the field, and a strategy without a schedule keeps its version id."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from adapters.files.strategy_book import (
    BOOK_PATH,
    StrategyBookError,
    default_book,
    parse_strategy_book,
)
from domain.calendar import WEEKDAYS
from domain.session import IST
from domain.strategy.schedule import monthly_expiry

MOMENTUM_AT = "    expiry_minutes: 10\n"


def _momentum_with(lines: str) -> str:
    text = BOOK_PATH.read_text(encoding="utf-8")
    at = text.index(MOMENTUM_AT, text.index("  momentum:"))
    return text[:at] + lines + text[at:]


def _ist(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=IST)


def test_schedule_when_a_window_is_given_then_signals_outside_it_are_closed_with_the_window() -> (
    None
):
    book = parse_strategy_book(_momentum_with('    windows: ["09:20-11:00"]\n'))
    schedule = book.strategies["momentum"].schedule

    inside = schedule.why_closed(_ist("2026-11-20", "09:20"), WEEKDAYS)
    at_end = schedule.why_closed(_ist("2026-11-20", "11:00"), WEEKDAYS)

    assert inside == ""
    assert at_end == "11:00 IST is outside the entry window(s) 09:20-11:00"


def test_schedule_when_expiry_days_are_skipped_then_the_months_last_tuesday_is_off() -> None:
    book = parse_strategy_book(_momentum_with("    skip: [expiry_days, 2026-12-01]\n"))
    schedule = book.strategies["momentum"].schedule

    assert monthly_expiry(2026, 11, WEEKDAYS) == date(2026, 11, 24)
    assert "monthly F&O expiry" in schedule.why_closed(_ist("2026-11-24", "10:00"), WEEKDAYS)
    assert "skip list" in schedule.why_closed(_ist("2026-12-01", "10:00"), WEEKDAYS)
    assert schedule.why_closed(_ist("2026-11-25", "10:00"), WEEKDAYS) == ""


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ('    windows: ["11:00-09:20"]\n', "strategies.momentum.windows"),
        ('    windows: ["morning"]\n', "not HH:MM-HH:MM"),
        ("    skip: [holidays]\n", "strategies.momentum.skip"),
        ('    schedule: "every monday"\n', "five-field cron"),
    ],
)
def test_file_when_a_schedule_field_is_wrong_then_the_error_names_it(lines: str, says: str) -> None:
    with pytest.raises(StrategyBookError, match=says):
        parse_strategy_book(_momentum_with(lines))


def test_version_when_a_strategy_has_no_schedule_then_its_id_is_unchanged() -> None:
    plain = parse_strategy_book(BOOK_PATH.read_text(encoding="utf-8"))
    windowed = parse_strategy_book(_momentum_with('    windows: ["09:20-11:00"]\n'))

    assert plain.version_ids == default_book().version_ids
    assert windowed.version_ids["momentum"] != plain.version_ids["momentum"]
    assert windowed.version_ids["mean_reversion"] == plain.version_ids["mean_reversion"]


def test_due_when_a_cron_is_given_then_each_bar_belongs_to_the_latest_run_of_its_day() -> None:
    book = parse_strategy_book(_momentum_with('    schedule: "0 10,14 * * 1-5"\n'))
    schedule = book.strategies["momentum"].schedule

    before = schedule.due(_ist("2026-11-20", "09:59"))
    at_ten = schedule.due(_ist("2026-11-20", "10:00"))
    later = schedule.due(_ist("2026-11-20", "13:59"))

    assert before is None  # the previous run was yesterday's: not this bar's
    assert at_ten == later == _ist("2026-11-20", "10:00")


def test_next_due_when_expiry_days_and_weekends_are_off_then_they_are_passed_over() -> None:
    book = parse_strategy_book(_momentum_with(
        '    schedule: "30 9 * * *"\n    skip: [expiry_days]\n'))
    schedule = book.strategies["momentum"].schedule

    before_expiry = schedule.next_due(_ist("2026-11-23", "10:00"), WEEKDAYS)
    before_weekend = schedule.next_due(_ist("2026-11-27", "16:00"), WEEKDAYS)
    same_day = schedule.next_due(_ist("2026-11-27", "09:00"), WEEKDAYS)

    assert before_expiry == _ist("2026-11-25", "09:30")  # Tuesday the 24th is expiry day
    assert before_weekend == _ist("2026-11-30", "09:30")
    assert same_day == _ist("2026-11-27", "09:30")
    assert book.strategies["mean_reversion"].schedule.next_due(same_day, WEEKDAYS) is None
