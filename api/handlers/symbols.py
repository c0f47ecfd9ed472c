"""The symbol page: its figures as JSON (`/series`), its chart as bokeh's JSON item
(`/chart`), and the console page that draws it (`/symbols/{symbol}`). Each request reads
the log's market, news and decision events from the start, as the reports do: the page is
opened by a person now and then, and reading the log is what makes it mean what the log
says."""

from __future__ import annotations

import json

from aiohttp import web
from pydantic import Field

from api.context import Call
from api.errors import not_found
from api.handlers.console import CONSOLE_DIR
from api.handlers.reports import ReportDay
from api.inputs import Ident, Strict
from domain.symbol_chart import SymbolSeries
from projections.symbol_chart import MAX_DAYS
from streams.symbol_charts import UnknownSymbol, chart_item, read_series

# The console's policy, but bokeh sets styles inline (`<style>` in each plot's shadow root),
# so this page alone allows inline styles; scripts stay the API's own files only.
PAGE_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class SymbolQuery(Strict):
    day: ReportDay | None = Field(
        None, description="the last IST day drawn (default: the symbol's last day with bars)"
    )
    days: int = Field(
        1,
        ge=1,
        le=MAX_DAYS,
        description="how many IST days up to `day` (a longer range when the log has the bars)",
    )


class SymbolPageQuery(SymbolQuery):
    card: Ident | None = Field(None, description="a card to mark in the page's table")


async def _series(call: Call) -> SymbolSeries:
    q = call.query
    assert isinstance(q, SymbolQuery)
    symbol, desk = call.path["symbol"], call.state.desk
    try:
        return await call.state.gate.read_store(
            read_series, desk.store, desk.instruments.keys(), symbol, q.day, q.days
        )
    except UnknownSymbol as e:
        raise not_found("symbol", str(e)) from None


async def get_series(call: Call) -> SymbolSeries:
    """One symbol's bars with the strategies' features, news, signals, cards and fills."""
    return await _series(call)


async def get_chart(call: Call) -> web.Response:
    """The symbol's chart as bokeh's JSON item (the page embeds it with BokehJS)."""
    series = await _series(call)
    item = await call.state.gate.read_store(chart_item, series)
    return web.Response(text=json.dumps(item), content_type="application/json")


async def page(call: Call) -> web.Response:
    """The console's symbol page (its data needs the viewer's token, as the console's)."""
    text = (CONSOLE_DIR / "symbol.html").read_text()
    return web.Response(
        text=text,
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": PAGE_POLICY},
    )
