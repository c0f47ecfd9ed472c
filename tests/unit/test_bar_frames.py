"""Bars read in bulk give exactly what the row-by-row reader gives, or step aside."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from adapters.files.bar_frames import read_clean_bars
from adapters.files.sample import SAMPLE_DIR
from cli.features import read_bars

HEADER = "symbol,ts,open,high,low,close,volume\n"


def _file(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "bars.csv"
    path.write_text(HEADER + rows)
    return path


@pytest.mark.parametrize(
    "rows",
    [
        "A,2025-01-02,10,11,9,10.5,100\nA,2025-01-03,10.5,12,10,11,200\n",
        "A,2025-01-02T09:15:00,10,11,9,10.5,100\nB,2025-01-02T09:15:00,5,5,5,5,0\n",
        "A,2025-01-02T09:15:00+05:30,10,11,9,10.5,100\nA,2025-01-02T04:00:00Z,10,11,9,10,1\n",
    ],
    ids=["dates", "naive", "aware"],
)
def test_read_clean_when_every_row_is_good_then_same_frame_as_row_by_row(
    tmp_path: Path,
    rows: str,
) -> None:
    path = _file(tmp_path, rows)
    slow = read_bars(path)

    fast = read_clean_bars(path)

    assert fast is not None and fast[1] == slow.ts_kind
    assert fast[0].equals(slow.frame().with_columns(pl.col("volume").cast(pl.Float64)))


def test_read_clean_when_sample_day_then_same_frame_as_row_by_row() -> None:
    fast = read_clean_bars(SAMPLE_DIR / "bars.csv")

    assert fast is not None
    slow = read_bars(SAMPLE_DIR / "bars.csv").frame()
    assert fast[0].equals(slow.with_columns(pl.col("volume").cast(pl.Float64)))


@pytest.mark.parametrize(
    "bad",
    [
        "A,2025-01-04,abc,1,1,1,1",
        "A,2025-01-04,1,1,2,1,1",
        "A,2025-01-04,0,1,0,1,1",
        "A,2025-01-04,1,1,1,1,-1",
        "A,2025-01-02,10,11,9,10.5,100",
        ",2025-01-04,1,1,1,1,1",
        "A,2025-01-04T09:15:00,1,1,1,1,1",
        "A,yesterday!,1,1,1,1,1",
        "A,2025-01-04,nan,1,1,1,1",
    ],
    ids=["text", "low>high", "zero", "volume", "duplicate", "symbol", "mixed", "ts", "nan"],
)
def test_read_clean_when_a_row_is_bad_then_steps_aside_for_the_row_reader(
    tmp_path: Path,
    bad: str,
) -> None:
    path = _file(tmp_path, f"A,2025-01-02,10,11,9,10.5,100\n{bad}\n")

    assert read_clean_bars(path) is None
    assert read_bars(path).skipped  # the row reader names it
