"""The brokers' daily instrument files as instrument versions: Upstox's JSON (gzipped or
not) and Kite's CSV, NSE equities only. Pure parsing of bytes; a row that cannot be read
becomes a rejection with the reason, and reading goes on.

Upstox JSON rows: segment, exchange, name, trading_symbol, instrument_key, exchange_token,
isin, instrument_type, lot_size, tick_size (paise), freeze_quantity, … Kite CSV columns:
instrument_token, exchange_token, tradingsymbol, name, last_price, expiry, strike,
tick_size (rupees), lot_size, instrument_type, segment, exchange (no ISIN).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from domain.events import InstrumentListed

PAISE = Decimal("0.01")


@dataclass
class ParsedFile:
    """The NSE equities of one file, and the rows refused (line or index, reason, text)."""

    listed: list[InstrumentListed] = field(default_factory=list)
    rejected: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: int = 0  # other segments and instrument types


class InstrumentFileError(ValueError):
    """The file as a whole cannot be read (not JSON, not the expected columns)."""


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False)[0]
        return f"{'.'.join(str(p) for p in first['loc']) or 'row'}: {first['msg']}"
    return f"{type(error).__name__}: {error}"


def _quantity(value: Any) -> int | None:
    if value in (None, ""):
        return None
    number = Decimal(str(value))
    if number != number.to_integral_value():
        raise ValueError(f"not a whole number: {value!r}")
    return int(number)


def _upstox_row(row: dict[str, Any], day: date, source: str) -> InstrumentListed | None:
    if row.get("segment") != "NSE_EQ" or row.get("instrument_type") not in ("EQ", None):
        return None
    return InstrumentListed(
        symbol=str(row.get("trading_symbol") or ""), isin=str(row.get("isin") or ""),
        name=str(row.get("name") or ""), exchange="NSE",
        lot_size=_quantity(row.get("lot_size")) or 1,
        tick_size=(Decimal(str(row.get("tick_size"))) * PAISE).quantize(PAISE),
        freeze_quantity=_quantity(row.get("freeze_quantity")),
        venue_key=str(row.get("instrument_key") or ""), effective_from=day, source=source)


def _kite_row(row: dict[str, Any], day: date, source: str) -> InstrumentListed | None:
    if (row.get("exchange"), row.get("segment"), row.get("instrument_type")) != (
            "NSE", "NSE", "EQ"):
        return None
    return InstrumentListed(
        symbol=str(row.get("tradingsymbol") or ""), name=str(row.get("name") or ""),
        exchange="NSE", lot_size=_quantity(row.get("lot_size")) or 1,
        tick_size=Decimal(str(row.get("tick_size"))).quantize(PAISE),
        venue_key=str(row.get("instrument_token") or ""), effective_from=day, source=source)


RowParser = Callable[[dict[str, Any], date, str], InstrumentListed | None]


def _parse_rows(rows: Iterable[tuple[str, Any]], parse: RowParser, day: date,
                source: str) -> ParsedFile:
    parsed = ParsedFile()
    for where, row in rows:
        if not isinstance(row, dict):
            parsed.rejected.append((where, "row is not an object", json.dumps(row)[:1000]))
            continue
        try:
            listed = parse(row, day, source)
        except (ValueError, TypeError, InvalidOperation, ValidationError) as e:
            parsed.rejected.append((where, _reason(e), json.dumps(row, default=str)[:1000]))
            continue
        if listed is None:
            parsed.skipped += 1
        else:
            parsed.listed.append(listed)
    return parsed


def parse_upstox(payload: bytes, day: date, source: str = "upstox") -> ParsedFile:
    """Upstox's instruments JSON (a list of rows), gzipped or not."""
    raw = gzip.decompress(payload) if payload[:2] == b"\x1f\x8b" else payload
    try:
        rows = json.loads(raw)
    except ValueError as e:
        raise InstrumentFileError(f"not JSON: {e}") from None
    if not isinstance(rows, list):
        raise InstrumentFileError("expected a JSON list of instruments")
    return _parse_rows(((f"row {i}", r) for i, r in enumerate(rows)), _upstox_row, day, source)


KITE_COLUMNS = ("instrument_token", "tradingsymbol", "tick_size", "lot_size",
                "instrument_type", "segment", "exchange")


def parse_kite(payload: bytes, day: date, source: str = "kite") -> ParsedFile:
    """Kite's instruments CSV, gzipped or not."""
    raw = gzip.decompress(payload) if payload[:2] == b"\x1f\x8b" else payload
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig", "replace")))
    missing = [c for c in KITE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InstrumentFileError(f"missing column(s): {', '.join(missing)}")
    return _parse_rows(((f"line {i + 2}", r) for i, r in enumerate(reader)), _kite_row, day,
                       source)


PARSERS = {"upstox": parse_upstox, "kite": parse_kite}
