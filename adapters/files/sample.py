"""Files in, facts out: bars (CSV), news and announcements (JSON lines), accounts, instruments.

Every row becomes an `InputFact` at a position its content fixes (the bar's minute, the
item's source id), so feeding a file twice adds nothing. A row that fails validation becomes
an `InputRejected` fact carrying the reason and the original text; reading goes on.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from adapters.files.bar_rows import BAR_FIELDS, KIND_TEXT, BadBarRow, parse_bar_row
from domain.bar_builder import bar_slot
from domain.events import AnnouncementArrived, BarClosed, InputRejected, NewsArrived, Payload
from domain.ids import announcement_stream, bars_stream, news_stream, rejected_input_stream
from domain.inputs import InputFact
from domain.instruments import Instrument
from domain.values import Mandate

BAR_INTERVAL = timedelta(minutes=1)
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"


@dataclass(frozen=True)
class AccountSpec:
    account_id: str
    name: str
    mandate: Mandate
    initial_deposit: Decimal


CRORE = Decimal(10_000_000)


def load_instruments(path: Path) -> dict[str, Instrument]:
    with path.open(newline="") as f:
        return {
            row["symbol"]: Instrument(
                row["symbol"], row["isin"], row["name"], row["sector"], int(row["lot_size"]),
                Decimal(row["tick_size"]),
                Decimal(row["adv_cr"]) * CRORE if row.get("adv_cr") else None,
            )
            for row in csv.DictReader(f)
        }


def load_accounts(path: Path) -> list[AccountSpec]:
    specs = []
    for raw in json.loads(path.read_text()):
        fields = {k: v for k, v in raw.items()
                  if k not in ("account_id", "name", "initial_deposit")}
        specs.append(AccountSpec(
            raw["account_id"], raw["name"], Mandate.model_validate(fields),
            Decimal(raw["initial_deposit"]),
        ))
    return specs


def _rejected(source: str, reason: str, raw: str, at: datetime) -> InputFact:
    stream = rejected_input_stream(source, raw)
    return InputFact(stream, 1, InputRejected(source=source, reason=reason, raw=raw[:100_000]),
                     at, f"feed:{source}")


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "row"
        return f"{where}: {first['msg']}"
    return str(error)


def read_bars(path: Path, fallback: datetime) -> Iterator[InputFact]:
    """One `BarClosed` per CSV row (symbol,ts,open,high,low,close,volume), ts = bar start."""
    with path.open(newline="") as f:
        header = f.readline()
        for line in f:
            if not line.strip():  # a blank line is no bar (and no crash)
                continue
            try:
                bar = _bar(next(csv.DictReader([header, line])))
            except (ValueError, KeyError, TypeError) as e:
                yield _rejected("bars", _reason(e), line.rstrip("\n"), fallback)
                continue
            fallback = bar.end
            yield InputFact(bars_stream(bar.symbol, bar.start), bar_slot(bar.start), bar, bar.end,
                            "feed:bars")


def _bar(row: dict[str, str | None]) -> BarClosed:
    """A CSV row as a bar, checked by the one bar-row validator (its reasons are words)."""
    missing = [name for name in BAR_FIELDS if row.get(name) is None]
    if missing:
        raise BadBarRow(f"missing field(s): {', '.join(missing)}")
    checked = parse_bar_row([row[name] or "" for name in BAR_FIELDS])
    if not isinstance(checked.ts, datetime) or checked.kind != "aware":
        raise BadBarRow(f"ts needs a time with UTC offset, got {KIND_TEXT[checked.kind]}: "
                        f"{row['ts']!r}")
    return BarClosed(symbol=checked.symbol, start=checked.ts, end=checked.ts + BAR_INTERVAL,
                     open=checked.open, high=checked.high, low=checked.low,
                     close=checked.close, volume=int(checked.volume))


def read_news(path: Path, fallback: datetime) -> Iterator[InputFact]:
    """News (`kind: news`) and exchange filings (`kind: announcement`), one JSON per line."""
    with path.open() as f:
        for line in f:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict):
                    raise ValueError("item is not a JSON object")
                fact = _news_fact(item)
            except (ValueError, KeyError, TypeError) as e:
                yield _rejected("news", _reason(e), line.rstrip("\n"), fallback)
                continue
            fallback = fact.occurred_at
            yield fact


def _news_fact(item: dict[str, Any]) -> InputFact:
    kind = item.get("kind")
    common = {k: item.get(k) for k in ("source_id", "source", "published_at", "headline",
                                        "body", "category")}
    payload: Payload
    if kind == "announcement":
        symbols = item.get("symbols") or []
        if len(symbols) != 1:
            raise ValueError(f"symbols: an announcement names exactly one symbol, got {symbols}")
        payload = AnnouncementArrived(**common, symbol=symbols[0], isin=item.get("isin"))
        stream = announcement_stream(payload.source_id)
    elif kind == "news":
        payload = NewsArrived(**common, symbols=tuple(item.get("symbols") or ()))
        stream = news_stream(payload.source_id)
    else:
        raise ValueError(f"kind: expected 'news' or 'announcement', got {kind!r}")
    return InputFact(stream, 1, payload, payload.published_at, f"feed:{kind}")


def day_feed(bars: Path, news: Path, day_start: datetime) -> list[list[InputFact]]:
    """All facts of a day in desk-time order, grouped by instant (bars before news on ties)."""
    return group_by_instant([*read_bars(bars, day_start), *read_news(news, day_start)])


def group_by_instant(facts: list[InputFact]) -> list[list[InputFact]]:
    """`facts` in desk-time order, grouped by instant (bars before news on ties)."""
    ordered = sorted(
        facts,
        key=lambda f: (f.occurred_at, 0 if isinstance(f.payload, BarClosed) else 1,
                       f.stream_id),
    )
    groups: list[list[InputFact]] = []
    for fact in ordered:
        if groups and groups[-1][0].occurred_at == fact.occurred_at:
            groups[-1].append(fact)
        else:
            groups.append([fact])
    return groups


def moved_feed(groups: list[list[InputFact]], by: timedelta) -> list[list[InputFact]]:
    """The same facts `by` later, as another day's (`desk demo --days`): bars at their
    new minutes, news and filings under source ids that name the new day, so they are new
    facts to the log and not repeats of the recorded day's. Rejected rows keep their
    position (the same bad text is the same rejection)."""
    return [[_moved(fact, by) for fact in group] for group in groups]


def _moved(fact: InputFact, by: timedelta) -> InputFact:
    payload = fact.payload
    if isinstance(payload, BarClosed):
        bar = payload.model_copy(update={"start": payload.start + by, "end": payload.end + by})
        return InputFact(bars_stream(bar.symbol, bar.start), bar_slot(bar.start), bar, bar.end,
                         fact.source)
    if isinstance(payload, NewsArrived | AnnouncementArrived):
        published = payload.published_at + by
        item = payload.model_copy(update={
            "published_at": published,
            "source_id": f"{payload.source_id}@{published:%Y-%m-%d}"})
        stream = (announcement_stream(item.source_id) if isinstance(item, AnnouncementArrived)
                  else news_stream(item.source_id))
        return InputFact(stream, 1, item, published, fact.source)
    return InputFact(fact.stream_id, fact.version, payload, fact.occurred_at + by, fact.source)
