"""Broker tradebook files read into `TradeImported` events, and corporate-action files.

Zerodha's Console tradebook has a documented, fixed header; Upstox's trade file is known
with less certainty, so it is recognised by its header and its mapping can be replaced; any
other CSV comes in through a mapping file (YAML or JSON) naming the column of each field.
A row that cannot be read is reported with its line and reason; the rest are imported.
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, ValidationError

from adapters.files.yaml_file import parse_yaml, problem
from adapters.gc_pause import collection_paused
from domain.events import CorporateActionRecorded, TradeImported
from domain.events.envelope import assembled
from domain.events.imports import SOURCE_MAX_LENGTH
from domain.ids import StreamId, corporate_action_stream, imported_trade_stream
from domain.inputs import SYMBOL_PATTERN
from domain.money import ZERO
from domain.session import IST
from domain.values import Side

REQUIRED = ("symbol", "trade_date", "side", "quantity", "price", "trade_id")
ISO_DATE = "%Y-%m-%d"
_SYMBOL = re.compile(SYMBOL_PATTERN)
OPTIONAL = ("isin", "exchange", "segment", "order_id", "time", "charges", "stt")


class TradebookError(ValueError):
    """The file cannot be imported at all: missing, unreadable, or not the format named."""


class TradebookMapping(BaseModel):
    """Which CSV column holds each field, how its dates and sides are written, and values
    for fields the file lacks (`defaults: {exchange: NSE}`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: dict[str, str]
    date_format: str = ISO_DATE
    buy_words: tuple[str, ...] = ("buy", "b")
    sell_words: tuple[str, ...] = ("sell", "s")
    equity_segments: tuple[str, ...] = ("EQ",)
    defaults: dict[str, str] = {}

    def missing(self, header: list[str]) -> list[str]:
        """Required fields the header cannot supply."""
        return [f for f in REQUIRED if self.columns.get(f) not in header and f not in self.defaults]


# Console -> Reports -> Tradebook (equity): the header as Zerodha writes it.
ZERODHA_HEADER = (
    "symbol", "isin", "trade_date", "exchange", "segment", "series", "trade_type", "auction",
    "quantity", "price", "trade_id", "order_id", "order_execution_time")
ZERODHA = TradebookMapping(columns={
    "symbol": "symbol", "isin": "isin", "trade_date": "trade_date", "exchange": "exchange",
    "segment": "segment", "side": "trade_type", "quantity": "quantity", "price": "price",
    "trade_id": "trade_id", "order_id": "order_id", "time": "order_execution_time"})
# Upstox's trade file as open-source importers read it (no public sample): replaceable.
UPSTOX = TradebookMapping(columns={
    "symbol": "Scrip Code", "segment": "Segment", "side": "Side", "quantity": "Quantity",
    "price": "Price", "trade_id": "Trade Num", "time": "Trade Time", "trade_date": "Date"},
    date_format="%d-%m-%Y", defaults={"exchange": "NSE"})
MAPPINGS = {"zerodha": ZERODHA, "upstox": UPSTOX}


def load_mapping(path: Path) -> TradebookMapping:
    """A mapping file (YAML or JSON); TradebookError says which field is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise TradebookError(f"cannot read mapping file {path}: {e.strerror or e}") from None
    mapping = parse_yaml(text, str(path), TradebookMapping, TradebookError)
    unknown = sorted(set(mapping.columns) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise TradebookError(f"{path}: columns names unknown field(s) {', '.join(unknown)}; "
                             f"fields are {', '.join(REQUIRED + OPTIONAL)}")
    return mapping


def detect(header: list[str]) -> str | None:
    """The broker whose file has this header, if any."""
    for broker, mapping in MAPPINGS.items():
        if not mapping.missing(header):
            return broker
    return None


@dataclass(frozen=True)
class ImportedRow:
    line: int
    stream_id: StreamId  # the dedupe key (broker, exchange, trade date, trade id)
    trade: TradeImported


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class Tradebook:
    rows: list[ImportedRow] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)


def read_tradebook(path: Path, broker: str, account_id: str,
                   mapping: TradebookMapping | None = None, now: datetime | None = None
                   ) -> Tradebook:
    """Every row of `path` as a trade of `account_id`, or a bad row with its reason; a
    trade after `now` is a bad row (it would move the desk's clock, which follows the log)."""
    mapping = mapping or MAPPINGS.get(broker)
    if mapping is None:
        raise TradebookError(f"--broker {broker} needs --mapping FILE naming its columns")
    with _open(path) as handle, collection_paused():  # every row read lives to the end
        return _read(handle, path, broker, account_id, mapping, now)


def _open(path: Path) -> TextIO:
    try:
        return path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise TradebookError(f"file not found: {path}") from None
    except OSError as e:
        raise TradebookError(f"cannot read {path}: {e.strerror or e}") from None


def _read(handle: TextIO, path: Path, broker: str, account_id: str,
          mapping: TradebookMapping, now: datetime | None) -> Tradebook:
    try:
        rows = csv.reader(handle)
        header = [h.strip() for h in next(rows, [])]
        missing = mapping.missing(header)
        if missing:
            found = detect(header)
            hint = f"; it looks like a {found} file" if found and found != broker else ""
            raise TradebookError(
                f"{path}: not a {broker} tradebook: no column for {', '.join(missing)}"
                f" (expected {', '.join(mapping.columns.get(f, f) for f in missing)}){hint}")
        where = {f: header.index(c) for f, c in mapping.columns.items() if c in header}
        book, first_line, name = Tradebook(), dict[StreamId, int](), path.name
        for line, row in _rows(rows, book):
            try:
                stream_id, trade = _trade(row, where, mapping, broker, account_id,
                                          f"{name}:{line}")
                if now is not None and trade.traded_at > now:
                    raise ValueError(f"executed {trade.traded_at.isoformat()}, after now: a "
                                     "tradebook lists trades done")
            except ValueError as e:
                book.bad.append(BadRow(line, str(e)))
                continue
            if stream_id in first_line:
                book.bad.append(BadRow(line, f"duplicate of line {first_line[stream_id]} (same "
                                             "exchange, trade date and trade id)"))
                continue
            first_line[stream_id] = line
            book.rows.append(ImportedRow(line, stream_id, trade))
        return book
    except UnicodeDecodeError as e:
        raise TradebookError(f"{path} is not UTF-8 text (byte {e.start})") from None


def _rows(rows: Iterator[list[str]], book: Tradebook) -> Iterator[tuple[int, list[str]]]:
    reader = rows
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            book.bad.append(BadRow(getattr(reader, "line_num", 0), f"not a CSV row: {e}"))
            continue
        if "".join(row).strip():  # some cell is not blank (a generator per row is slow)
            yield getattr(reader, "line_num", 0), row


def _trade(row: list[str], where: dict[str, int], mapping: TradebookMapping, broker: str,
           account_id: str, source: str) -> tuple[StreamId, TradeImported]:
    width = len(row)
    cells = {f: row[i].strip() for f, i in where.items() if i < width}
    for name, value in mapping.defaults.items():  # a default fills an absent or empty cell
        if not cells.get(name):
            cells[name] = value
    get = cells.get
    # Most rows have every needed cell: then a plain lookup, without a checking function.
    need = cells.__getitem__ if all(map(get, _NEEDED)) else _needing(cells, mapping)
    segment = get("segment", "").upper()
    if segment and segment not in mapping.equity_segments:
        raise ValueError(f"segment {segment}: only equity ({', '.join(mapping.equity_segments)})"
                         " trades count for capital gains here")
    day = _date(need("trade_date"), mapping.date_format)
    side_word = need("side").lower()
    if side_word in mapping.buy_words:
        side = Side.BUY
    elif side_word in mapping.sell_words:
        side = Side.SELL
    else:
        raise ValueError(f"side {side_word!r} is neither buy nor sell")
    quantity = _decimal("quantity", need("quantity"))
    if quantity != quantity.to_integral_value() or quantity <= 0:
        raise ValueError(f"quantity {quantity} is not a whole number of shares above 0")
    exchange, trade_id = need("exchange").upper(), need("trade_id")
    stream_id = imported_trade_stream(broker, exchange, day, trade_id)
    fields = {  # a literal: `dict(...)` with keywords costs more, 100,000 times
        "account_id": account_id, "broker": broker, "exchange": exchange,
        "trade_id": trade_id, "order_id": get("order_id", ""), "trade_date": day,
        "traded_at": _when(get("time", ""), day), "symbol": need("symbol").upper(),
        "isin": get("isin", ""), "side": side, "quantity": int(quantity),
        "price": _decimal("price", need("price")),
        "charges": _decimal("charges", charges) if (charges := get("charges")) else ZERO,
        "stt": _decimal("stt", stt) if (stt := get("stt")) else ZERO, "source": source,
        "linked_fill": None}
    return stream_id, _trade_imported(fields)


_NEEDED = ("trade_date", "side", "quantity", "exchange", "trade_id", "symbol", "price")


def _needing(cells: dict[str, str], mapping: TradebookMapping) -> Callable[[str], str]:
    """A lookup that names the column of a needed cell that is empty."""

    def need(name: str) -> str:
        value = cells.get(name)
        if not value:
            raise ValueError(f"{mapping.columns.get(name, name)} is empty")
        return value

    return need


def _trade_imported(fields: dict[str, Any]) -> TradeImported:
    """The event, checked as strictly as `TradeImported`'s own validation: a row that passes
    every check it makes is built without validating again (a year's tradebook is 100,000
    rows); any other is validated, so it is refused with pydantic's own reason."""
    if (_SYMBOL.fullmatch(fields["symbol"]) and fields["price"] > 0 and fields["charges"] >= 0
            and fields["stt"] >= 0 and len(fields["source"]) <= SOURCE_MAX_LENGTH
            and fields["traded_at"].utcoffset() is not None):
        # The other fields are typed by construction: strings, a date, a Side, an int > 0
        # and finite Decimals (`_decimal`).
        return assembled(TradeImported, fields)
    try:
        return TradeImported(**fields)
    except ValidationError as e:
        raise ValueError("; ".join(problem(err["loc"], err["msg"]) for err in e.errors())
                         ) from None


def _decimal(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{name} is not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"{name} is not finite: {text!r}")
    return value


def _date(text: str, fmt: str) -> date:
    try:
        if fmt == ISO_DATE:  # strptime is slow; a year's tradebook has 100,000 rows
            return date.fromisoformat(text)
        return datetime.strptime(text, fmt).date()
    except ValueError:
        raise ValueError(f"trade date {text!r} is not like {fmt}") from None


def _when(text: str, day: date) -> datetime:
    """The execution time, read as IST when it has no offset; a time of day falls on `day`,
    and no time at all is the day's open (ordering within the day is then the file's)."""
    if not text:
        return datetime.combine(day, time(9, 15), IST)
    dated = "-" in text or "T" in text
    if dated and len(text) > 6 and text[-6] not in "+-" and text[-1] != "Z":
        # Parsed with IST's offset appended: a quarter of the cost of `replace`, same value.
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(text + _IST_OFFSET)
    try:
        at = datetime.fromisoformat(text) if dated else datetime.combine(
            day, time.fromisoformat(text))
    except ValueError:
        raise ValueError(f"execution time {text!r} is not an ISO time") from None
    return at.replace(tzinfo=IST) if at.tzinfo is None else at


_IST_OFFSET = "+05:30"  # IST's: `datetime.fromisoformat` gives a timezone equal to it


ACTION_HEADER = ("symbol", "kind", "new", "old", "ex_date")


def read_actions(path: Path, today: date | None = None
                 ) -> tuple[list[tuple[StreamId, CorporateActionRecorded]], list[BadRow]]:
    """Splits and bonuses from a CSV `symbol,kind,new,old,ex_date[,reference]`; one with
    an ex-date after `today` is a bad row until the day comes."""
    with _open(path) as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ACTION_HEADER if c not in (reader.fieldnames or [])]
        if missing:
            raise TradebookError(f"{path}: header lacks column(s) {', '.join(missing)}")
        found: list[tuple[StreamId, CorporateActionRecorded]] = []
        bad: list[BadRow] = []
        for row in reader:
            try:
                action = CorporateActionRecorded(
                    symbol=(row["symbol"] or "").strip().upper(),
                    kind=(row["kind"] or "").strip().upper(), new=row["new"], old=row["old"],
                    ex_date=row["ex_date"], reference=(row.get("reference") or "").strip())
            except ValidationError as e:
                bad.append(BadRow(reader.line_num, "; ".join(
                    problem(err["loc"], err["msg"]) for err in e.errors())))
                continue
            if today is not None and action.ex_date > today:
                bad.append(BadRow(reader.line_num, f"ex-date {action.ex_date} is after today: "
                                                   "record it from that day"))
                continue
            found.append((corporate_action_stream(action.symbol, action.kind, action.ex_date),
                          action))
        return found, bad
