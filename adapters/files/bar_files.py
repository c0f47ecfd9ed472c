"""Bar files for backfill and backtests (CSV or Parquet, any interval) into `BarClosed` facts.

Every row goes through the one bar-row validator (`bar_rows.parse_bar_row`), so a bad row
is explained as it is everywhere else and kept as `InputRejected` with that reason; reading
goes on. Columns: symbol, ts (the bar's start), open, high, low, close, volume; others are
ignored. A time without offset is read as IST (the exchange's clock); a date is a daily bar
of the NSE session. One-minute bars land where the sample day and the live feeds put theirs
(`bars-SYMBOL-DAY`, at the minute's slot), so ingesting a file twice adds nothing; bars of
other intervals get a stream of their own per interval.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import polars as pl
from pydantic import ValidationError

from adapters.files.bar_rows import BAR_FIELDS, BadBarRow, parse_bar_row
from domain.bar_builder import bar_slot
from domain.events import BarClosed, InputRejected
from domain.ids import bars_stream, interval_bars_stream, rejected_input_stream
from domain.inputs import InputFact
from domain.session import IST

SOURCE = "bars-file"
SESSION_OPEN, SESSION_CLOSE = time(9, 15), time(15, 30)
_INTERVAL = re.compile(r"^(\d+)(m|h|d)$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
SUFFIXES = (".csv", ".parquet")


class BarFileError(ValueError):
    """A file that cannot be read at all (not a row of it); the message says why."""


@dataclass(frozen=True)
class Interval:
    """A bar length as written on the command line: 1m, 5m, 1h, 1d."""

    text: str
    length: timedelta

    @property
    def daily(self) -> bool:
        return self.text == "1d"


def parse_interval(text: str) -> Interval:
    """`1m`, `15m`, `1h`, `1d`; `ValueError` with the reason otherwise."""
    match = _INTERVAL.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"interval: expected a number and m, h or d (1m, 5m, 1h, 1d), "
                         f"got {text!r}")
    count, unit = int(match.group(1)), match.group(2)
    if unit == "d" and count != 1:
        raise ValueError("interval: daily bars are 1d")
    return Interval(f"{count}{unit}", count * _UNITS[unit])


def bar_files(path: Path) -> list[Path]:
    """The file itself, or every CSV and Parquet file under a directory, in name order."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
    if not path.exists():
        raise BarFileError(f"{path}: no such file or directory")
    return [path]


def read_bar_file(path: Path, interval: Interval,
                  read_at: datetime) -> Iterator[tuple[int, InputFact]]:
    """Each row's fact with its row number (1 = the first data row); a rejected row is
    dated `read_at`, when the desk read it."""
    frame = _frame(path)
    missing = [name for name in BAR_FIELDS if name not in frame.columns]
    if missing:
        raise BarFileError(f"{path}: missing column(s): {', '.join(missing)}")
    rows = (["" if v is None else v for v in row] for row in frame.select(BAR_FIELDS).iter_rows())
    yield from read_bar_rows(rows, interval, read_at)


def read_bar_rows(rows: Iterable[list[str]], interval: Interval, read_at: datetime,
                  source: str = SOURCE, actor: str = f"file:{SOURCE}",
                  ) -> Iterator[tuple[int, InputFact]]:
    """Each row's fact (symbol, ts, open, high, low, close, volume as text), numbered from
    1, through the bar validator; a rejected row is logged under `source`, dated `read_at`."""
    for n, fields in enumerate(rows, start=1):
        try:
            bar = _bar(fields, interval)
        except (BadBarRow, ValueError) as e:
            raw = ",".join(fields)
            yield n, InputFact(rejected_input_stream(source, raw), 1,
                               InputRejected(source=source, reason=_reason(e), raw=raw),
                               read_at, actor)
            continue
        if interval.text == "1m":
            stream = bars_stream(bar.symbol, bar.start)
        else:
            stream = interval_bars_stream(bar.symbol, bar.start, interval.text)
        yield n, InputFact(stream, bar_slot(bar.start), bar, bar.end, actor)


def _frame(path: Path) -> pl.DataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return pl.read_parquet(path).cast(pl.String)
        return pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as e:
        raise BarFileError(f"{path}: cannot read it as {path.suffix.lstrip('.') or 'CSV'} "
                           f"({type(e).__name__})") from None


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc']) or 'row'}: {first['msg']}"
    return str(error)


def _bar(fields: list[str], interval: Interval) -> BarClosed:
    checked = parse_bar_row(fields)
    ts = checked.ts
    if checked.kind == "date":
        if not interval.daily:
            raise BadBarRow(f"ts is a date but the interval is {interval.text}")
        assert isinstance(ts, date)
        start = datetime.combine(ts, SESSION_OPEN, IST)
        end = datetime.combine(ts, SESSION_CLOSE, IST)
    else:
        assert isinstance(ts, datetime)
        start = ts.replace(tzinfo=IST) if checked.kind == "naive" else ts
        end = start + interval.length
    if checked.volume != checked.volume.to_integral_value():
        raise BadBarRow(f"volume is not a whole number of shares: {checked.volume}")
    return BarClosed(symbol=checked.symbol, start=start, end=end, open=checked.open,
                     high=checked.high, low=checked.low, close=checked.close,
                     volume=int(checked.volume))
