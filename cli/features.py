"""`desk features`: compute bar features for a CSV of bars and write them as CSV.

    desk features --bars bars.csv --out features.csv

Input columns: symbol,ts,open,high,low,close,volume (`ts` ISO 8601: a date for daily bars,
a datetime with or without UTC offset for intraday ones). A bad row is reported on stderr
with its line number and reason and skipped; the rest are computed. Output: every good row,
sorted by (symbol, ts), with the columns of `domain.features.FEATURE_COLUMNS`; aware
times are written in IST. Exit 0 when written, 1 when no row was usable, 2 when the input
cannot be read or the output cannot be written.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import polars as pl

from adapters.files.bar_rows import KIND_TEXT, BadBarRow, parse_bar_row
from domain.features import (
    BAR_COLUMNS,
    SESSION_TIME_ZONE,
    TREND_DISTANCE,
    RegimeRule,
    compute_features,
)

_TS_FORMAT = {
    "date": "%Y-%m-%d",
    "naive": "%Y-%m-%dT%H:%M:%S",
    "aware": "%Y-%m-%dT%H:%M:%S%:z",
}


class BarsFileError(Exception):
    """The bars file cannot be read at all (missing, unreadable, wrong header)."""


@dataclass(frozen=True)
class SkippedRow:
    line: int
    reason: str


@dataclass
class BarsRead:
    """The good rows of a bars file, column by column, and the rows skipped with reasons."""

    columns: dict[str, list[Any]] = field(
        default_factory=lambda: {name: [] for name in BAR_COLUMNS}
    )
    skipped: list[SkippedRow] = field(default_factory=list)
    ts_kind: str = "aware"  # "date", "naive" or "aware", as the first good row's ts

    def frame(self) -> pl.DataFrame:
        frame = pl.DataFrame(self.columns, schema={
            "symbol": pl.String, "ts": _TS_TYPE[self.ts_kind], "open": pl.Float64,
            "high": pl.Float64, "low": pl.Float64, "close": pl.Float64, "volume": pl.Float64,
        })
        if (frame["volume"] % 1 == 0).all():  # share counts stay integers in the output
            frame = frame.with_columns(pl.col("volume").cast(pl.Int64))
        return frame


_TS_TYPE: dict[str, pl.DataType] = {
    "date": pl.Date(), "naive": pl.Datetime("us"), "aware": pl.Datetime("us", "UTC"),
}


def read_bars(path: Path) -> BarsRead:
    """Parse and check every row; a bad row is skipped with its line number and reason."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return _read_rows(handle, path)
    except FileNotFoundError:
        raise BarsFileError(f"bars file not found: {path}") from None
    except UnicodeDecodeError as e:
        raise BarsFileError(f"{path} is not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise BarsFileError(f"cannot read bars file {path}: {e.strerror}") from None


def _read_rows(handle: TextIO, path: Path) -> BarsRead:
    rows = csv.reader(handle)
    header = [name.strip() for name in next(rows, [])]
    missing = [name for name in BAR_COLUMNS if name not in header]
    if missing:
        raise BarsFileError(f"{path}: header lacks column(s) {', '.join(missing)}")
    positions = [header.index(name) for name in BAR_COLUMNS]
    read = BarsRead()
    first_kind: str | None = None
    first_line: dict[tuple[str, date | datetime], int] = {}
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as e:  # e.g. a NUL byte; the reader goes on with the next line
            read.skipped.append(SkippedRow(rows.line_num, f"not a CSV row: {e}"))
            continue
        line = rows.line_num
        if not row:
            continue
        try:
            bar, kind = _parse_row(row, positions)
        except ValueError as e:
            read.skipped.append(SkippedRow(line, str(e)))
            continue
        key = (bar[0], bar[1])
        if first_kind is not None and kind != first_kind:
            reason = f"ts is {KIND_TEXT[kind]}, the file's first bar {KIND_TEXT[first_kind]}"
            read.skipped.append(SkippedRow(line, reason))
        elif key in first_line:
            reason = f"duplicate bar: same symbol and ts as line {first_line[key]}"
            read.skipped.append(SkippedRow(line, reason))
        else:
            first_kind, first_line[key] = kind, line
            for name, value in zip(BAR_COLUMNS, bar, strict=True):
                read.columns[name].append(value)
    read.ts_kind = first_kind or read.ts_kind
    return read


def _parse_row(row: list[str], positions: list[int]) -> tuple[tuple[Any, ...], str]:
    """(symbol, ts, open, high, low, close, volume) and the kind of ts; ValueError says why not."""
    if len(row) <= max(positions):
        raise BadBarRow(f"expected {max(positions) + 1} fields, found {len(row)}")
    bar = parse_bar_row([row[i] for i in positions])
    return (bar.symbol, bar.ts, float(bar.open), float(bar.high), float(bar.low),
            float(bar.close), float(bar.volume)), bar.kind


# Eight significant digits keep every price tick and small return a reader uses, without
# the float noise of binary arithmetic (246.96300000000002 is written 246.963).
_SIGNIFICANT = 8
# Close-to-SMA distance for a trend: 2% suits daily bars; a 1-minute bar's 50-bar SMA sits
# far closer to the price, so intraday files get a distance of their scale.
INTRADAY_TREND_DISTANCE = 0.004


def write_features(features: pl.DataFrame, path: Path, ts_kind: str) -> None:
    """Write the features as CSV: times in IST when aware, floats to eight significant digits."""
    ts = pl.col("ts")
    if ts_kind == "aware":
        ts = ts.dt.convert_time_zone(SESSION_TIME_ZONE)
    features.with_columns(
        ts.dt.to_string(_TS_FORMAT[ts_kind]), pl.col(pl.Float64).round_sig_figs(_SIGNIFICANT),
    ).write_csv(path)


def default_trend_distance(ts_kind: str) -> float:
    """The trend distance that suits the bars: daily bars (dates) or intraday bars (times)."""
    return TREND_DISTANCE if ts_kind == "date" else INTRADAY_TREND_DISTANCE


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("features", help="compute bar features (returns, RSI, ATR, regime, ...)"
                       " for a CSV of bars")
    _add_arguments(p)
    p.set_defaults(func=_run)


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bars", required=True, type=Path, metavar="FILE.csv",
                   help="bars: symbol,ts,open,high,low,close,volume")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.csv",
                   help="where to write the bars with their features")
    p.add_argument("--trend-distance", type=_fraction, default=None, metavar="FRACTION",
                   help=f"how far close must be from its 50-bar SMA for a trend regime "
                   f"(default by the bars: {TREND_DISTANCE} for daily bars, "
                   f"{INTRADAY_TREND_DISTANCE} for intraday ones)")


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text}")
    return value


def _run(args: argparse.Namespace) -> int:
    try:
        read = read_bars(args.bars)
    except BarsFileError as e:
        print(f"desk features: {e}", file=sys.stderr)
        return 2
    for skipped in read.skipped:
        print(f"{args.bars}:{skipped.line}: skipped: {skipped.reason}", file=sys.stderr)
    bars = read.frame()
    if bars.is_empty():
        print(f"desk features: no usable bars in {args.bars}", file=sys.stderr)
        return 1
    distance = args.trend_distance or default_trend_distance(read.ts_kind)
    features = compute_features(bars, regime_rule=RegimeRule(trend_distance=distance))
    try:
        write_features(features, args.out, read.ts_kind)
    except OSError as e:
        print(f"desk features: cannot write {args.out}: {e.strerror or e}", file=sys.stderr)
        return 2
    print(f"wrote {features.height} bars of {features['symbol'].n_unique()} symbols with "
          f"features to {args.out}; skipped {len(read.skipped)} bad row(s); trend distance "
          f"{distance}")
    if features["gap"].null_count() == features.height:
        print("gap is empty on every row: the opening gap needs a previous session's close, "
              "and each symbol here has one session only")
    return 0

