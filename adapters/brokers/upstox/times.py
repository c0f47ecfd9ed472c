"""Upstox timestamps: IST wall-clock text in order and trade rows, epoch milli- or
microseconds in GTTs; the desk keeps aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.session import IST

_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M:%S", "%d-%b-%Y %H:%M:%S")
_MICROSECONDS_FROM = 10**14  # an epoch past this is in microseconds, not milliseconds


def parse_time(value: object) -> datetime:
    """An Upstox timestamp as aware UTC; ValueError when it is none of its shapes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        divisor = 1_000_000 if value > _MICROSECONDS_FROM else 1000
        return datetime.fromtimestamp(value / divisor, UTC)
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(str(value), fmt).replace(tzinfo=IST).astimezone(UTC)
        except ValueError:
            continue
    raise ValueError(f"not an Upstox timestamp: {value!r}")
