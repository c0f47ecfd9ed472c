"""The instrument master: brokers' files read per their documented columns, versions logged
only on change, the version in force on a day, and ADV from bars."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from adapters.files.instrument_master import InstrumentFileError, parse_kite, parse_upstox
from domain.events import BarClosed
from domain.instrument_master import as_of, changed
from domain.session import IST
from projections.daily_value import DailyValues, adv_before, apply, folded

DAY = date(2026, 11, 19)
UPSTOX_ROW = {"segment": "NSE_EQ", "exchange": "NSE", "name": "RELIANCE INDUSTRIES LTD",
              "trading_symbol": "RELIANCE", "instrument_key": "NSE_EQ|INE002A01018",
              "exchange_token": "2885", "isin": "INE002A01018", "instrument_type": "EQ",
              "lot_size": 1, "tick_size": 10.0, "freeze_quantity": 100000.0,
              "qty_multiplier": 1.0, "security_type": "NORMAL"}
KITE = ("instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,"
        "tick_size,lot_size,instrument_type,segment,exchange\n"
        "738561,2885,RELIANCE,RELIANCE INDUSTRIES,0.0,,0.0,0.05,1,EQ,NSE,NSE\n"
        "128083204,500325,RELIANCE,RELIANCE INDUSTRIES,0.0,,0.0,0.05,1,EQ,BSE,BSE\n"
        "256265,1024,NIFTY 50,NIFTY 50,0.0,,0.0,0.0,0,INDICES,INDICES,NSE\n")


def test_parse_upstox_when_gzipped_json_then_nse_equities_with_tick_in_rupees() -> None:
    rows = [UPSTOX_ROW, UPSTOX_ROW | {"segment": "NSE_FO", "instrument_type": "FUT"},
            UPSTOX_ROW | {"trading_symbol": "TCS", "tick_size": "ten"}]

    parsed = parse_upstox(gzip.compress(json.dumps(rows).encode()), DAY)

    [reliance] = parsed.listed
    assert (reliance.tick_size, reliance.freeze_quantity, reliance.venue_key) == (
        Decimal("0.10"), 100000, "NSE_EQ|INE002A01018")
    assert parsed.skipped == 1
    assert [(where, reason.split(":")[0]) for where, reason, _ in parsed.rejected] == [
        ("row 2", "InvalidOperation")]


def test_parse_kite_when_csv_mixes_exchanges_then_only_nse_equities_without_isin() -> None:
    parsed = parse_kite(KITE.encode(), DAY)

    [reliance] = parsed.listed
    assert (reliance.symbol, reliance.isin, reliance.tick_size, reliance.venue_key) == (
        "RELIANCE", "", Decimal("0.05"), "738561")
    assert parsed.skipped == 2


def test_parse_kite_when_a_column_is_missing_then_the_file_is_refused_naming_it() -> None:
    with pytest.raises(InstrumentFileError, match=r"missing column.*tick_size"):
        parse_kite(KITE.replace("tick_size,", "tick,").encode(), DAY)


def test_changed_when_kite_lists_what_upstox_did_then_isin_carried_and_tick_change_kept(
) -> None:
    [upstox] = parse_upstox(json.dumps([UPSTOX_ROW]).encode(), DAY).listed
    [kite] = parse_kite(KITE.encode(), DAY + timedelta(days=1)).listed

    [new] = changed({"RELIANCE": upstox}, [kite])
    same = changed({"RELIANCE": upstox}, [upstox.model_copy(update={"effective_from": DAY})])

    assert (new.isin, new.tick_size, new.name) == ("INE002A01018", Decimal("0.05"),
                                                   "RELIANCE INDUSTRIES")
    assert same == []


def test_as_of_when_a_later_version_exists_then_each_day_gets_its_own() -> None:
    [v1] = parse_upstox(json.dumps([UPSTOX_ROW]).encode(), DAY).listed
    v2 = v1.model_copy(update={"lot_size": 5, "effective_from": DAY + timedelta(days=7)})
    history = {"RELIANCE": [v1, v2]}

    assert "RELIANCE" not in as_of(history, DAY - timedelta(days=1))
    assert as_of(history, DAY + timedelta(days=6))["RELIANCE"].lot_size == 1
    assert as_of(history, DAY + timedelta(days=7))["RELIANCE"].lot_size == 5


def _bar(day: date, close: str, volume: int, at: time = time(9, 15),
         minutes: int = 375) -> BarClosed:
    """INFY's bar from `at` IST on `day`, `minutes` long (default: the whole session)."""
    start = datetime.combine(day, at, IST)
    price = Decimal(close)
    return BarClosed(symbol="INFY", start=start, end=start + timedelta(minutes=minutes),
                     open=price, high=price, low=price, close=price, volume=volume)


def test_adv_before_when_bars_span_days_then_mean_of_the_last_sessions_before() -> None:
    bars = [_bar(DAY, "100", 10), _bar(DAY, "100", 10), _bar(DAY + timedelta(days=1), "50", 8),
            _bar(DAY + timedelta(days=2), "1000", 1000)]

    adv = adv_before(folded(bars), DAY + timedelta(days=2), sessions=20)
    last_one = adv_before(folded(bars), DAY + timedelta(days=2), sessions=1)

    assert adv == {"INFY": Decimal("1200.00")}  # (2,000 + 400) / 2; the day itself left out
    assert last_one == {"INFY": Decimal("400.00")}


def test_adv_before_when_a_day_was_seen_only_in_part_then_it_does_not_count() -> None:
    """A desk started at 10:00, or stopped at 10:05, saw a sliver of the day's trading."""
    late_start = _bar(DAY, "100", 10, at=time(10, 0), minutes=330)
    early_stop = _bar(DAY + timedelta(days=1), "100", 10, minutes=50)
    whole = [_bar(DAY + timedelta(days=2), "100", 30, minutes=1),
             _bar(DAY + timedelta(days=2), "100", 10, at=time(15, 29), minutes=1)]

    state = folded([late_start, early_stop])
    with_whole = folded([late_start, early_stop, *whole])

    assert adv_before(state, DAY + timedelta(days=3)) == {}  # the file's figure stands
    assert adv_before(with_whole, DAY + timedelta(days=3)) == {"INFY": Decimal("4000.00")}


def test_adv_before_when_folded_bar_by_bar_then_equals_the_fold_of_all_at_once() -> None:
    bars = [_bar(DAY + timedelta(days=n % 3), str(100 + n), 10 + n) for n in range(9)]
    state = DailyValues()
    for bar in bars:
        apply(state, bar)

    assert adv_before(state, DAY + timedelta(days=5)) == adv_before(folded(bars),
                                                                    DAY + timedelta(days=5))
    assert adv_before(state, DAY) == {}  # no day before the first: no ADV, not zero
