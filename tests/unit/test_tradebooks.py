"""Reading broker tradebooks: Zerodha's documented header, Upstox's by its header, a mapped
CSV, and every bad row reported with its line and reason while the rest are read."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from adapters.files.tradebooks import (
    TradebookError,
    detect,
    load_mapping,
    read_actions,
    read_tradebook,
)
from domain.session import IST
from domain.tax import ActionKind
from domain.values import Side
from tests.unit.conftest import D

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "sample" / "tradebooks"
ZERODHA = SAMPLES / "zerodha-tradebook.csv"
HEADER = ("symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,"
          "trade_id,order_id,order_execution_time\n")


def test_read_when_zerodha_tradebook_then_trades_keyed_by_broker_exchange_date_and_id() -> None:
    book = read_tradebook(ZERODHA, "zerodha", "asha")

    first = book.rows[0]
    assert first.stream_id == "trade-zerodha-NSE-20170601-60000001"
    t = first.trade
    assert (t.symbol, t.isin, t.side, t.quantity, t.price) == (
        "HDFCBANK", "INE040A01034", Side.BUY, 100, D("1600.000000"))
    assert t.traded_at == datetime(2017, 6, 1, 10, 15, 2, tzinfo=IST)
    assert (t.account_id, t.source) == ("asha", "zerodha-tradebook.csv:2")
    assert len(book.rows) == 7


def test_read_when_rows_are_bad_then_each_named_by_line_and_the_rest_read() -> None:
    book = read_tradebook(ZERODHA, "zerodha", "asha")

    assert [(b.line, b.reason) for b in book.bad] == [
        (9, "segment FO: only equity (EQ) trades count for capital gains here"),
        (10, "quantity is not a number: 'ten'"),
    ]


@pytest.mark.parametrize(("row", "reason"), [
    ("X,,2025-01-02,NSE,EQ,EQ,hold,false,1,10,T1,O1,", "side 'hold' is neither buy nor sell"),
    ("X,,2025-01-02,NSE,EQ,EQ,buy,false,1.5,10,T1,O1,", "not a whole number of shares"),
    ("X,,2025-01-02,NSE,EQ,EQ,buy,false,1,-10,T1,O1,", "price: Input should be greater than 0"),
    ("X,,02/01/2025,NSE,EQ,EQ,buy,false,1,10,T1,O1,", "trade date '02/01/2025' is not like"),
    ("X,,2025-01-02,NSE,EQ,EQ,buy,false,1,10,,O1,", "trade_id is empty"),
    ("X,,2025-01-02,NSE,EQ,EQ,buy,false,1,10,T1,O1,yesterday", "execution time 'yesterday'"),
    ("x y,,2025-01-02,NSE,EQ,EQ,buy,false,1,10,T1,O1,", "symbol: String should match"),
])
def test_read_when_a_row_is_wrong_then_its_reason_says_what(
    tmp_path: Path, row: str, reason: str
) -> None:
    path = tmp_path / "tb.csv"
    path.write_text(HEADER + "INFY,,2025-01-02,NSE,EQ,EQ,buy,false,1,10,T0,O0,\n" + row + "\n")

    book = read_tradebook(path, "zerodha", "asha")

    assert len(book.rows) == 1
    (bad,) = book.bad
    assert bad.line == 3 and reason in bad.reason


def test_read_when_same_trade_twice_in_a_file_then_the_second_is_a_bad_row(
    tmp_path: Path
) -> None:
    path = tmp_path / "tb.csv"
    row = "INFY,,2025-01-02,NSE,EQ,EQ,buy,false,1,10,T0,O0,\n"
    path.write_text(HEADER + row + row)

    book = read_tradebook(path, "zerodha", "asha")

    assert len(book.rows) == 1
    assert book.bad[0].reason.startswith("duplicate of line 2")


def test_read_when_header_is_another_brokers_then_refused_with_a_hint() -> None:
    with pytest.raises(TradebookError, match="looks like a zerodha file"):
        read_tradebook(ZERODHA, "upstox", "asha")


def test_read_when_generic_without_mapping_then_refused() -> None:
    with pytest.raises(TradebookError, match="needs --mapping"):
        read_tradebook(ZERODHA, "generic", "asha")


def test_read_when_file_missing_then_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TradebookError, match="file not found"):
        read_tradebook(tmp_path / "nope.csv", "zerodha", "asha")


def test_read_when_upstox_file_then_detected_and_dates_read_day_first() -> None:
    path = SAMPLES / "upstox-trades.csv"

    book = read_tradebook(path, "upstox", "asha")

    assert detect(path.read_text().splitlines()[0].split(",")) == "upstox"
    t = book.rows[0].trade
    assert (t.trade_date, t.exchange, t.side, t.trade_id) == (
        date(2025, 6, 2), "NSE", Side.BUY, "U-90001")
    assert t.traded_at == datetime(2025, 6, 2, 10, 5, tzinfo=IST)


def test_read_when_generic_with_mapping_then_columns_dates_words_and_charges_follow_it() -> None:
    mapping = load_mapping(SAMPLES / "generic-mapping.yaml")

    book = read_tradebook(SAMPLES / "generic-trades.csv", "generic", "asha", mapping)

    sold = book.rows[1].trade
    assert (sold.symbol, sold.side, sold.trade_date) == ("ITC", Side.SELL, date(2026, 1, 5))
    assert (sold.charges, sold.stt) == (D("16.11"), D("45.50"))
    assert book.bad == []


def test_load_mapping_when_field_unknown_then_error_lists_the_fields(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("columns: {symbol: A, colour: B}\n")

    with pytest.raises(TradebookError, match=r"unknown field.*colour"):
        load_mapping(path)


def test_read_actions_when_split_and_bonus_then_events_keyed_by_scrip_kind_and_date() -> None:
    found, bad = read_actions(SAMPLES / "corporate-actions.csv")

    assert [(s, a.kind, a.new, a.old) for s, a in found] == [
        ("corpaction-HDFCBANK-split-20190919", ActionKind.SPLIT, 2, 1),
        ("corpaction-HDFCBANK-bonus-20250826", ActionKind.BONUS, 1, 1),
    ]
    assert bad == []


def test_read_when_a_trade_is_after_now_then_a_bad_row_and_the_rest_read(
    tmp_path: Path
) -> None:
    path = tmp_path / "tb.csv"
    path.write_text(HEADER + "INFY,,2025-01-02,NSE,EQ,EQ,buy,false,1,10,T0,O0,\n"
                    "INFY,,2025-01-03,NSE,EQ,EQ,buy,false,1,10,T1,O1,2025-01-03T10:00:00\n")

    book = read_tradebook(path, "zerodha", "asha", now=datetime(2025, 1, 2, 12, tzinfo=IST))

    assert len(book.rows) == 1
    assert book.bad[0].line == 3 and "after now" in book.bad[0].reason


def test_read_actions_when_ex_date_is_after_today_then_a_bad_row() -> None:
    found, bad = read_actions(SAMPLES / "corporate-actions.csv", today=date(2020, 1, 1))

    assert len(found) == 1
    assert bad[0].line == 3 and "after today" in bad[0].reason


def test_read_when_blank_lines_between_trades_then_skipped_and_lines_still_counted(
    tmp_path: Path
) -> None:
    path = tmp_path / "tb.csv"
    path.write_text(HEADER + "INFY,,2025-01-02,NSE,EQ,EQ,buy,false,1,10,T0,O0,\n\n"
                    " , ,,\n" + "TCS,,2025-01-02,NSE,EQ,EQ,sell,false,2,20,T1,O1,\n")

    book = read_tradebook(path, "zerodha", "asha")

    assert book.bad == []
    assert [(r.line, r.trade.symbol) for r in book.rows] == [(2, "INFY"), (5, "TCS")]
    assert book.rows[1].trade.source == "tb.csv:5"


@pytest.mark.parametrize(("written", "instant"), [
    ("2025-01-02T10:01:02", datetime(2025, 1, 2, 10, 1, 2, tzinfo=IST)),  # no offset: IST
    ("2025-01-02 10:01:02.5", datetime(2025, 1, 2, 10, 1, 2, 500000, tzinfo=IST)),
    ("2025-01-02T04:31:02Z", datetime(2025, 1, 2, 10, 1, 2, tzinfo=IST)),
    ("2025-01-02T10:01:02+05:30", datetime(2025, 1, 2, 10, 1, 2, tzinfo=IST)),
    ("2025-01-02T00:01:02-04:00", datetime(2025, 1, 2, 9, 31, 2, tzinfo=IST)),
    ("10:01", datetime(2025, 1, 2, 10, 1, tzinfo=IST)),  # a time of day on the trade date
    ("", datetime(2025, 1, 2, 9, 15, tzinfo=IST)),  # none: the day's open
])
def test_read_when_execution_time_written_in_any_iso_form_then_the_trade_is_at_that_instant(
    tmp_path: Path, written: str, instant: datetime
) -> None:
    path = tmp_path / "tb.csv"
    path.write_text(HEADER + f"INFY,,2025-01-02,NSE,EQ,EQ,buy,false,1,10,T1,O1,{written}\n")

    (row,) = read_tradebook(path, "zerodha", "asha").rows

    assert row.trade.traded_at == instant


@pytest.mark.parametrize("written", ["1-2", "2025-01-02T10:01:02+05:30+05:30", "2025-13-02T1"])
def test_read_when_execution_time_is_not_iso_then_the_row_is_bad_and_named(
    tmp_path: Path, written: str
) -> None:
    path = tmp_path / "tb.csv"
    path.write_text(HEADER + f"INFY,,2025-01-02,NSE,EQ,EQ,buy,false,1,10,T1,O1,{written}\n")

    book = read_tradebook(path, "zerodha", "asha")

    assert not book.rows and f"execution time {written!r}" in book.bad[0].reason
