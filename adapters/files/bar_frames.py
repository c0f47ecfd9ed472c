"""Bars files read in bulk, when every row is clean.

`bar_rows.parse_bar_row` is the one place that explains a bad row. Reading a million rows
one at a time is slow, so a reader may first try this bulk path: it applies the same checks
column-wise and gives the frame only when every row passes; on any doubt it gives `None`
and the caller reads the file row by row, which names each bad row and its reason.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from adapters.files.bar_rows import BAR_FIELDS

NUMBERS = BAR_FIELDS[2:]
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"
_DATE_LENGTH = len("2026-11-20")


def read_clean_bars(path: Path) -> tuple[pl.DataFrame, str] | None:
    """(bars with float prices and volume, ts kind) when every row is clean, else None."""
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError):
        return None
    if raw.is_empty() or any(name not in raw.columns for name in BAR_FIELDS):
        return None
    text = raw.select(pl.col(name).str.strip_chars() for name in BAR_FIELDS)
    if text.null_count().sum_horizontal().item() or (text["symbol"] == "").any():
        return None
    parsed = _timestamps(text["ts"])
    if parsed is None:
        return None
    ts, kind = parsed
    frame = text.select(
        "symbol",
        ts.alias("ts"),
        *(pl.col(n).cast(pl.Float64, strict=False) for n in NUMBERS),
    )
    o, h, lo, c, v = (pl.col(n) for n in NUMBERS)
    clean = frame.select(
        pl.all_horizontal(
            pl.all_horizontal(pl.col(n).is_not_null() & pl.col(n).is_finite() for n in NUMBERS),
            pl.min_horizontal(o, h, lo, c) > 0,
            lo <= h,
            lo <= pl.min_horizontal(o, c),
            pl.max_horizontal(o, c) <= h,
            v >= 0,
            pl.col("ts").is_not_null(),
        ).all()
    ).item()
    if not clean or frame.select("symbol", "ts").is_duplicated().any():
        return None
    return frame, kind


def _timestamps(ts: pl.Series) -> tuple[pl.Expr, str] | None:
    """The expression parsing every ts as one kind (date, naive or aware), or None."""
    lengths = ts.str.len_chars()
    if (lengths == _DATE_LENGTH).all():
        return pl.col("ts").str.to_date("%Y-%m-%d", strict=False), "date"
    if (lengths == _DATE_LENGTH).any():
        return None
    aware = ts.str.contains(_OFFSET)
    if aware.all():
        return pl.col("ts").str.to_datetime(time_unit="us", time_zone="UTC", strict=False), "aware"
    if aware.any():
        return None
    return pl.col("ts").str.to_datetime(time_unit="us", strict=False), "naive"
