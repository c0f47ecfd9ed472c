"""The symbol page's data, read from the log: the series of one symbol (bars, features,
news, signals, cards and fills) and its chart as bokeh's JSON item, so the API, a client
script or a test get the same figures the page draws."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any, Protocol

from adapters.reports.symbol_chart import symbol_chart
from domain.events import Recorded
from domain.symbol_chart import SymbolSeries
from projections.symbol_chart import SERIES_TYPES, symbol_series


class UnknownSymbol(LookupError):
    """No instrument of that symbol, and no bar of it in the log."""


class _Log(Protocol):
    def read_all(self, after: int = 0, batch: int = 2000, types: Any = ()) -> Any: ...


def read_series(
    store: _Log, known: Collection[str], symbol: str, day: date | None, days: int
) -> SymbolSeries:
    """The symbol's series from the log (only the event types the page reads are decoded);
    UnknownSymbol when neither the instrument master nor the log knows the symbol."""
    events: list[Recorded] = list(store.read_all(types=SERIES_TYPES))
    series = symbol_series(events, symbol, day, days)
    if symbol not in known and series.bars_in_log == 0:
        raise UnknownSymbol(f"no instrument {symbol!r} and no bar of it in the log")
    return series


def chart_item(series: SymbolSeries) -> dict[str, Any]:
    """The series drawn: bokeh's JSON item for `Bokeh.embed.embed_item`."""
    return symbol_chart(series)
