"""Historical candle fetches cut into the ranges each venue allows, paced to its documented
rates (on a fake clock: no real waiting), and their progress kept for a rerun."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from adapters.feeds.candle_plan import MAX_RANGE, RATES, Progress, RateLimit, windows


def covers(parts: list[tuple[date, date]], start: date, end: date) -> bool:
    """Whether `parts`, in order, hold every day from `start` to `end` exactly once."""
    days = [a + timedelta(days=n) for a, b in parts for n in range((b - a).days + 1)]
    return days == [start + timedelta(days=n) for n in range((end - start).days + 1)]


@pytest.mark.parametrize(
    ("venue", "interval", "expected"),
    [
        ("kite", "1m", 7),
        ("kite", "5m", 4),
        ("kite", "1h", 1),
        ("upstox", "1m", 12),
        ("upstox", "30m", 4),
        ("upstox", "1d", 1),
    ],
)
def test_windows_when_a_year_is_asked_then_each_request_keeps_within_the_venues_range(
    venue: str,
    interval: str,
    expected: int,
) -> None:
    start, end = date(2025, 11, 21), date(2026, 11, 20)

    parts = windows(venue, interval, start, end)

    assert len(parts) == expected and covers(parts, start, end)
    unit, n = MAX_RANGE[(venue, interval)]
    for first, last in parts:
        if unit == "days":
            assert (last - first).days + 1 <= n
        else:  # within n months up to the last day
            months = (last.year - first.year) * 12 + last.month - first.month
            assert months < n or (months == n and first.day > last.day)


def test_windows_when_a_month_ends_short_then_upstox_windows_still_meet() -> None:
    parts = windows("upstox", "1m", date(2026, 1, 1), date(2026, 3, 31))

    assert parts == [
        (date(2026, 1, 1), date(2026, 1, 28)),
        (date(2026, 1, 29), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 31)),
    ]


def test_windows_when_sixteen_years_of_days_then_upstox_asks_per_decade() -> None:
    parts = windows("upstox", "1d", date(2010, 1, 1), date(2025, 12, 31))

    assert parts == [(date(2010, 1, 1), date(2015, 12, 31)), (date(2016, 1, 1), date(2025, 12, 31))]


class FakeTime:
    """A monotonic clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def sent_at(rates: tuple[tuple[int, float], ...], requests: int) -> list[float]:
    clock = FakeTime()
    limit = RateLimit(rates, clock, clock.sleep)

    async def body() -> list[float]:
        times = []
        for _ in range(requests):
            await limit.wait()
            times.append(clock.now)
        return times

    return asyncio.run(body())


def test_rate_limit_when_kite_asks_seven_times_then_three_a_second() -> None:
    assert sent_at(RATES["kite"], 7) == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0]


def test_rate_limit_when_upstox_asks_past_its_minute_budget_then_it_waits_for_the_minute() -> None:
    times = sent_at(RATES["upstox"], 520)

    assert times[49] == 0.0 and times[50] == 1.0  # 50 a second
    assert times[499] == 9.0 and times[500] == 60.0  # 500 a minute
    for count, seconds in RATES["upstox"]:
        assert all(times[i + count] - times[i] >= seconds for i in range(len(times) - count))


def test_progress_when_marked_then_a_new_run_reads_what_is_done(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    key = Progress.key("kite", "2953217", "1m", (date(2026, 9, 22), date(2026, 11, 20)))
    Progress.load(path).mark(key)

    assert Progress.load(path).done == {key}
    assert key == "kite 2953217 1m 2026-09-22 2026-11-20"


def test_progress_when_the_file_is_not_a_progress_file_then_it_says_so(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_text(json.dumps(["not", "it"]))

    with pytest.raises(ValueError, match="not a candle progress file"):
        Progress.load(path)
