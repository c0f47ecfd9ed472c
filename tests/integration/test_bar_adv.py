"""The ADV the desk sizes with comes from the bars it ingested: two days of INFY bars in the
log give day three's master their mean daily traded value, a symbol with no bars keeps the
instruments file's figure, a day's own bars never move its ADV, and a day the desk saw only in
part (it started late, or stopped early) does not count."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from adapters.files.sample import SAMPLE_DIR, load_instruments
from domain.bar_builder import bar_slot
from domain.events import BarClosed
from domain.ids import bars_stream
from domain.inputs import InputFact
from domain.session import IST
from streams.bootstrap import bootstrap, wall_clock
from streams.instrument_master import DatedInstruments

DAY_1 = date(2026, 11, 19)


def bar(day: date, minute: int, close: str, volume: int) -> InputFact:
    """INFY's bar of `minute` past 09:15 IST on `day`, as a feed's fact."""
    start = datetime(day.year, day.month, day.day, 9, 15, tzinfo=IST) + timedelta(minutes=minute)
    price = Decimal(close)
    closed = BarClosed(
        symbol="INFY",
        start=start,
        end=start + timedelta(minutes=1),
        open=price,
        high=price,
        low=price,
        close=price,
        volume=volume,
    )
    return InputFact(bars_stream("INFY", start), bar_slot(start), closed, closed.end, "feed:upstox")


def test_dated_master_when_bars_were_ingested_on_earlier_days_then_adv_is_their_daily_mean(
    tmp_path: Path,
) -> None:
    instruments = load_instruments(SAMPLE_DIR / "instruments.csv")
    desk = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}", instruments, clock=wall_clock)
    day_2, day_3 = DAY_1 + timedelta(days=1), DAY_1 + timedelta(days=2)
    dated = DatedInstruments(desk.store, instruments)
    desk.runtime.ingest(  # whole days: from the open to the last minute (15:29 IST)
        [bar(DAY_1, 0, "1500", 1000), bar(DAY_1, 1, "1510", 2000), bar(DAY_1, 374, "1510", 0),
         bar(day_2, 0, "1490", 4000), bar(day_2, 374, "1490", 0)]
    )
    on_3 = dated.on(datetime(2026, 11, 21, 10, 0, tzinfo=IST))

    desk.runtime.ingest([bar(day_3, 0, "1480", 900_000)])  # day 3's own trading
    later_on_3 = dated.on(datetime(2026, 11, 21, 11, 0, tzinfo=IST))
    on_1 = dated.on(datetime(2026, 11, 19, 10, 0, tzinfo=IST))

    # Day 1 traded 1500 x 1000 + 1510 x 2000 = 4,520,000; day 2 1490 x 4000 = 5,960,000.
    assert on_3["INFY"].adv_value == Decimal("5240000.00")
    assert later_on_3["INFY"].adv_value == Decimal("5240000.00")
    assert on_1["INFY"].adv_value == instruments["INFY"].adv_value  # no bars before day 1
    assert on_3["TCS"].adv_value == instruments["TCS"].adv_value  # no bars: the file's ADV
    assert instruments["INFY"].adv_value != Decimal("5240000.00")
    desk.store.close()


def test_dated_master_when_the_desk_saw_only_the_first_hour_then_the_files_adv_stands(
    tmp_path: Path,
) -> None:
    """A desk run from the open to 10:05 must not size the next day as if INFY traded an hour."""
    instruments = load_instruments(SAMPLE_DIR / "instruments.csv")
    desk = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}", instruments, clock=wall_clock)
    dated = DatedInstruments(desk.store, instruments)
    desk.runtime.ingest([bar(DAY_1, minute, "1500", 1000) for minute in range(50)])

    on_2 = dated.on(datetime(2026, 11, 20, 10, 0, tzinfo=IST))

    assert on_2["INFY"].adv_value == instruments["INFY"].adv_value
    desk.store.close()
