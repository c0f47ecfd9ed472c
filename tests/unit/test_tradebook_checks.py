"""A tradebook row is built into its event without validating it again only when it passes
every check `TradeImported`'s validation makes: a row that fails any of them is refused
with the reason the validation itself gives, and one that passes is the same event, to the
byte, that validating it would have made."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.files.tradebooks import load_mapping, read_tradebook
from adapters.files.yaml_file import problem
from domain.events import TradeImported

MAPPING = """{"columns": {"symbol": "Ticker", "trade_date": "Date", "side": "Action",
  "quantity": "Qty", "price": "Rate", "trade_id": "Ref", "time": "Time",
  "charges": "Charges", "stt": "STT"}, "defaults": {"exchange": "NSE"}}"""
HEADER = "Ticker,Date,Action,Qty,Rate,Ref,Time,Charges,STT\n"
GOOD = "ITC,2025-04-03,buy,100,410.00,G-1,09:45:00,15.93,41.00\n"


def _read(tmp_path: Path, row: str) -> tuple[list[TradeImported], list[str]]:
    mapping_path = tmp_path / "mapping.json"
    mapping_path.write_text(MAPPING)
    path = tmp_path / "tb.csv"
    path.write_text(HEADER + GOOD + row)
    book = read_tradebook(path, "generic", "asha", load_mapping(mapping_path))
    return [r.trade for r in book.rows], [b.reason for b in book.bad]


def _validation_reason(**changes: object) -> str:
    """What `TradeImported`'s own validation says of the good row with `changes`."""
    fields: dict[str, object] = {
        "account_id": "asha",
        "broker": "generic",
        "exchange": "NSE",
        "trade_id": "G-2",
        "trade_date": "2025-04-03",
        "traded_at": "2025-04-03T09:45:00+05:30",
        "symbol": "ITC",
        "side": "BUY",
        "quantity": 100,
        "price": "410.00",
        "charges": "15.93",
        "stt": "41.00",
        "source": "tb.csv:3",
        **changes,
    }
    with pytest.raises(ValidationError) as e:
        TradeImported.model_validate(fields)
    return "; ".join(problem(err["loc"], err["msg"]) for err in e.value.errors())


@pytest.mark.parametrize(
    ("row", "changes"),
    [
        ("ITC,2025-04-03,buy,100,0,G-2,09:45:00,15.93,41.00", {"price": "0"}),
        ("ITC,2025-04-03,buy,100,410.00,G-2,09:45:00,-0.01,41.00", {"charges": "-0.01"}),
        ("ITC,2025-04-03,buy,100,410.00,G-2,09:45:00,15.93,-1", {"stt": "-1"}),
        (
            "ABCDEFGHIJKLMNOPQRSTU,2025-04-03,buy,100,410.00,G-2,09:45:00,15.93,41.00",
            {"symbol": "ABCDEFGHIJKLMNOPQRSTU"},
        ),
        ("-ITC,2025-04-03,buy,100,410.00,G-2,09:45:00,15.93,41.00", {"symbol": "-ITC"}),
        (
            "ITC,2025-04-03,buy,100,0,G-2,09:45:00,-1,-1",
            {"price": "0", "charges": "-1", "stt": "-1"},
        ),
    ],
)
def test_read_when_a_row_fails_an_event_check_then_refused_with_the_validations_reason(
    tmp_path: Path, row: str, changes: dict[str, object]
) -> None:
    trades, reasons = _read(tmp_path, row + "\n")

    assert len(trades) == 1
    assert reasons == [_validation_reason(**changes)]


def test_read_when_a_row_passes_then_the_event_is_what_validation_makes_to_the_byte(
    tmp_path: Path,
) -> None:
    trades, reasons = _read(tmp_path, "ITC,2025-04-04,sell,40,455.5,G-2,,0,0\n")

    assert reasons == []
    for trade in trades:
        validated = TradeImported.model_validate(trade.model_dump())
        assert trade == validated
        assert trade.model_dump_json() == validated.model_dump_json()
