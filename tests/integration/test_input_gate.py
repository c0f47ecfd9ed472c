"""Crafted bars and news fed the way `desk demo` feeds them: every bad or repeated input is
logged as `InputRejected` with its reason or folded into the first, never a crash and never
silence (the review's A5 table)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.files.sample import SAMPLE_DIR, load_instruments
from domain.events import BarClosed, Envelope, InputRejected, NewsArrived
from streams.bootstrap import Desk, bootstrap, wall_clock
from streams.feed import SampleDay, feed_day, sample_day

FIRST = "2026-11-20T09:15:00+05:30"
UNTIL = datetime.fromisoformat("2026-11-20T09:18:00+05:30")
BAR = "AXISBANK,{ts},1226.70,1226.70,1224.60,1225.30,89044"


def _day(tmp_path: Path, bars: list[str] = (), news: list[dict] = ()) -> SampleDay:  # type: ignore[assignment]
    """The sample day's first minutes, with `bars` and `news` lines added."""
    directory = tmp_path / "day"
    directory.mkdir()
    for name in ("accounts.json", "instruments.csv"):
        shutil.copy(SAMPLE_DIR / name, directory / name)
    lines = (SAMPLE_DIR / "bars.csv").read_text().splitlines()
    early = [ln for ln in lines[1:] if ln.split(",")[1] < "2026-11-20T09:17"]
    (directory / "bars.csv").write_text("\n".join([lines[0], *early, *bars]) + "\n")
    (directory / "news.jsonl").write_text("".join(json.dumps(n) + "\n" for n in news))
    return sample_day(directory)


def _desk(tmp_path: Path) -> Desk:
    return bootstrap(f"sqlite:///{tmp_path / 'desk.db'}",
                     load_instruments(SAMPLE_DIR / "instruments.csv"), clock=wall_clock)


def _feed(desk: Desk, day: SampleDay, until: datetime = UNTIL) -> list[Envelope]:
    feed_day(desk.runtime, desk.store, day, "operator:t", wall_clock, until=until)
    return [r.event for r in desk.store.read_all()]


def _rejections(log: list[Envelope]) -> list[str]:
    return [e.payload.reason for e in log if isinstance(e.payload, InputRejected)]


def _news(source_id: str, headline: str, at: str = FIRST, symbols: tuple[str, ...] = ("INFY",)
          ) -> dict:
    return {"source_id": source_id, "kind": "news", "source": "Wire", "published_at": at,
            "headline": headline, "body": "b", "symbols": list(symbols), "category": "results"}


def test_feed_when_a_bar_and_a_news_item_repeat_in_one_instant_then_folded_not_a_crash(
    tmp_path: Path,
) -> None:
    day = _day(tmp_path, bars=[BAR.format(ts=FIRST)],
               news=[_news("n-1", "INFY wins a deal"), _news("n-1", "INFY wins a deal")])

    log = _feed(_desk(tmp_path), day)

    axis = [e for e in log if isinstance(e.payload, BarClosed) and e.payload.symbol == "AXISBANK"
            and e.payload.start == datetime.fromisoformat(FIRST)]
    assert len(axis) == 1
    assert len([e for e in log if isinstance(e.payload, NewsArrived)]) == 1
    assert _rejections(log) == []


def test_feed_when_a_duplicate_in_one_instant_differs_then_rejected_and_the_first_kept(
    tmp_path: Path,
) -> None:
    other = f"AXISBANK,{FIRST},1226.70,1230.00,1224.60,1229.00,1"
    day = _day(tmp_path, bars=[other],
               news=[_news("n-1", "INFY wins a deal"), _news("n-1", "INFY loses a deal")])

    log = _feed(_desk(tmp_path), day)

    reasons = _rejections(log)
    assert len(reasons) == 2 and all(r.startswith("conflicting duplicate") for r in reasons)
    headlines = [e.payload.headline for e in log if isinstance(e.payload, NewsArrived)]
    assert headlines == ["INFY wins a deal"]


def test_feed_when_a_news_id_is_resent_later_with_a_new_headline_then_rejected_with_reason(
    tmp_path: Path,
) -> None:
    desk = _desk(tmp_path)
    _feed(desk, _day(tmp_path, news=[_news("n-1", "INFY wins a deal")]))
    later = tmp_path / "later"
    later.mkdir()

    log = _feed(desk, _day(later, news=[_news("n-1", "INFY wins a bigger deal",
                                               at="2026-11-20T09:16:00+05:30")]))

    assert any("n-1" in r and "conflicting duplicate" in r for r in _rejections(log))


def test_feed_when_a_bar_arrives_after_later_bars_of_its_day_then_rejected_as_late(
    tmp_path: Path,
) -> None:
    desk = _desk(tmp_path)
    _feed(desk, _day(tmp_path))
    later = tmp_path / "later"
    later.mkdir()
    day = _day(later, bars=[BAR.format(ts="2026-11-20T09:14:00+05:30")])

    log = _feed(desk, day)

    assert any(r.startswith("late: bars-AXISBANK-20261120") for r in _rejections(log))


@pytest.mark.parametrize(("row", "expected"), [
    ("AXISBANK,{ts},1e30,1e30,1e30,1e30,10", "above the ceiling"),
    ("AXISBANK,{ts},1600.00,1600.00,1600.00,1600.00,10", "from the last close"),
    ("ZZZZ,{ts},10.00,10.00,10.00,10.00,10", "unknown symbol(s): ZZZZ"),
])
def test_feed_when_a_bar_is_absurd_or_unknown_then_rejected_with_reason(
    tmp_path: Path, row: str, expected: str,
) -> None:
    day = _day(tmp_path, bars=[row.format(ts="2026-11-20T09:17:00+05:30")])

    log = _feed(_desk(tmp_path), day)

    assert any(expected in r for r in _rejections(log)), _rejections(log)
    assert not any(isinstance(e.payload, BarClosed) and e.payload.symbol in ("AXISBANK", "ZZZZ")
                   and e.payload.start.minute == 47 for e in log)  # 09:17 IST


def test_feed_when_news_is_dated_2030_then_rejected_and_the_desk_clock_stays_in_its_day(
    tmp_path: Path,
) -> None:
    desk = _desk(tmp_path)
    day = _day(tmp_path, news=[_news("n-2030", "INFY results", at="2030-01-01T09:15:00+05:30"),
                               _news("n-zz", "ZZZZ lists", symbols=("ZZZZ",))])

    log = _feed(desk, day, until=datetime(2031, 1, 1, tzinfo=UTC))

    reasons = _rejections(log)
    assert any("beyond the wall clock" in r for r in reasons)
    assert any("unknown symbol(s): ZZZZ" in r for r in reasons)
    as_of = desk.runtime.view.as_of
    assert as_of is not None and as_of < datetime.now(UTC) + timedelta(minutes=5)
