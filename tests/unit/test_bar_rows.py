"""The one bar-row validator: the same human reasons in `desk features` and the sample feed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from adapters.files.bar_rows import BadBarRow, parse_bar_row
from adapters.files.sample import read_bars
from domain.events import InputRejected
from domain.session import IST

GOOD = ["INFY", "2026-11-20T09:15:00+05:30", "1500", "1510", "1495", "1505", "1200"]
DAY = datetime(2026, 11, 20, 9, 0, tzinfo=IST)


@pytest.mark.parametrize(("index", "text", "reason"), [
    (2, "abc", "open is not a number: 'abc'"),
    (5, "NaN", "close is not finite: 'NaN'"),
    (6, "-3", "volume is negative: -3"),
    (1, "yesterday", "ts is not an ISO 8601 date or time: 'yesterday'"),
    # Rows `desk features` used to take while ingestion refused them (or the reverse).
    (0, "infy", "symbol is not an NSE trading symbol (A-Z, 0-9, & and -): 'infy'"),
    (3, "1e30", "high 1E+30 is above the ceiling of 10000000 a share"),
])
def test_parse_bar_row_when_a_field_is_bad_then_the_reason_names_field_and_text(
    index: int, text: str, reason: str
) -> None:
    fields = [*GOOD]
    fields[index] = text

    with pytest.raises(BadBarRow) as raised:
        parse_bar_row(fields)

    assert str(raised.value) == reason


def test_sample_feed_when_a_bar_price_is_not_a_number_then_rejected_with_a_human_reason(
    tmp_path: Path,
) -> None:
    bars = tmp_path / "bars.csv"
    bars.write_text("symbol,ts,open,high,low,close,volume\n"
                    "INFY,2026-11-20T09:15:00+05:30,abc,1510,1495,1505,1200\n"
                    "INFY,2026-11-20T09:16:00+05:30,1505,1510,1495,1505,12.5\n")

    facts = list(read_bars(bars, DAY))

    reasons = [f.payload.reason for f in facts if isinstance(f.payload, InputRejected)]
    assert reasons == ["open is not a number: 'abc'",
                       "volume is not a whole number of shares: '12.5'"]
