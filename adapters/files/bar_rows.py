"""The one validator of a bar row read as text (CSV): its values, or a reason a person reads.

`desk features` and the sample feed both read bars through it, so a bad row is explained
the same way everywhere (`open is not a number: 'abc'`), never by a library's internals, and
both accept exactly the same rows (symbol spelling, whole volumes, the price ceiling).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from domain.inputs import MAX_SHARE_PRICE, SYMBOL_PATTERN

BAR_FIELDS = ("symbol", "ts", "open", "high", "low", "close", "volume")

KIND_TEXT = {
    "date": "a date", "naive": "a time without UTC offset", "aware": "a time with UTC offset",
}


class BadBarRow(ValueError):
    """A bar row that cannot be used; its message is the reason, in words."""


@dataclass(frozen=True)
class BarRow:
    """A checked bar: prices positive and consistent, volume not negative; `ts` is a date,
    a naive time or an aware one moved to UTC, as `kind` says."""

    symbol: str
    ts: date | datetime
    kind: str  # "date", "naive" or "aware"
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


def parse_bar_row(fields: Sequence[str]) -> BarRow:
    """Check one row's fields, given in `BAR_FIELDS` order; `BadBarRow` says what is wrong."""
    if len(fields) < len(BAR_FIELDS):
        raise BadBarRow(f"expected {len(BAR_FIELDS)} fields, found {len(fields)}")
    symbol, ts_text, *number_texts = (f.strip() for f in fields[:len(BAR_FIELDS)])
    if not symbol:
        raise BadBarRow("symbol is empty")
    if not re.match(SYMBOL_PATTERN, symbol):
        raise BadBarRow(f"symbol is not an NSE trading symbol (A-Z, 0-9, & and -): {symbol!r}")
    ts, kind = _timestamp(ts_text)
    open_, high, low, close, volume = (
        _number(name, text) for name, text in zip(BAR_FIELDS[2:], number_texts, strict=True)
    )
    if min(open_, high, low, close) <= 0:
        raise BadBarRow("prices must be positive")
    if low > high:
        raise BadBarRow(f"low {low} is above high {high}")
    if not low <= min(open_, close) <= max(open_, close) <= high:
        raise BadBarRow("prices inconsistent: need low <= open, close <= high")
    if high > MAX_SHARE_PRICE:
        raise BadBarRow(f"high {high} is above the ceiling of {MAX_SHARE_PRICE} a share")
    if volume < 0:
        raise BadBarRow(f"volume is negative: {volume}")
    if volume != volume.to_integral_value():
        raise BadBarRow(f"volume is not a whole number of shares: {str(volume)!r}")
    return BarRow(symbol, ts, kind, open_, high, low, close, volume)


def _number(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadBarRow(f"{name} is not a number: {text!r}") from None
    if not value.is_finite():
        raise BadBarRow(f"{name} is not finite: {text!r}")
    return value


def _timestamp(text: str) -> tuple[date | datetime, str]:
    """A date, a naive datetime or an aware one (moved to UTC), with its kind."""
    try:
        if len(text) == len("2026-11-20"):
            return date.fromisoformat(text), "date"
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadBarRow(f"ts is not an ISO 8601 date or time: {text!r}") from None
    if value.tzinfo is None:
        return value, "naive"
    return value.astimezone(UTC), "aware"
