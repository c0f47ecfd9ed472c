"""The symbol page's chart drawn with bokeh: candles with the strategies' SMA/EMA and ATR
bands, news and announcement markers along the top, signals, each card's entry/stop/target
and its fills, and an RSI pane below sharing the time axis. Answered as bokeh's JSON item,
which the console embeds with the BokehJS the API itself serves (no CDN)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from bokeh.core.types import ID
from bokeh.embed import json_item
from bokeh.layouts import column
from bokeh.models import ColumnDataSource, HoverTool, Range1d
from bokeh.models.annotations import Span
from bokeh.plotting import figure

from domain.session import IST
from domain.symbol_chart import ChartBar, ChartCard, SymbolSeries

RISE, FALL = "#2e7d32", "#c0392b"
LEG_COLOURS = {"ENTRY": "#1f5fa8", "STOP": FALL, "TARGET": RISE}
CARD_LINES = (("entry", "#1f5fa8", "solid"), ("stop", FALL, "dashed"), ("target", RISE, "dashed"))
RSI_LEVELS = (30.0, 70.0)  # oversold and overbought, as the strategy book reads RSI
TOOLS = "xpan,xwheel_zoom,box_zoom,reset,save"
CHART_ID = ID("symbol-chart")


def _shown(at: datetime) -> datetime:
    """A time as IST wall-clock time: bokeh's datetime axis shows what it is given."""
    return at.astimezone(IST).replace(tzinfo=None)


def _bar_width_ms(bars: Sequence[ChartBar]) -> float:
    if len(bars) < 2:
        return 60_000 * 0.7
    gaps = sorted((b.start - a.start).total_seconds() for a, b in pairwise(bars))
    return gaps[len(gaps) // 2] * 1000 * 0.7  # the usual bar length, some air between


def _candles(plot: Any, bars: Sequence[ChartBar]) -> None:
    rising = [b.close >= b.open for b in bars]
    source = ColumnDataSource(
        {
            "x": [_shown(b.start) for b in bars],
            "open": [float(b.open) for b in bars],
            "high": [float(b.high) for b in bars],
            "low": [float(b.low) for b in bars],
            "close": [float(b.close) for b in bars],
            "top": [float(max(b.open, b.close)) for b in bars],
            "bottom": [float(min(b.open, b.close)) for b in bars],
            "colour": [RISE if r else FALL for r in rising],
            "volume": [b.volume for b in bars],
        }
    )
    plot.segment("x", "high", "x", "low", source=source, color="colour")
    body = plot.vbar(
        "x",
        _bar_width_ms(bars),
        "top",
        "bottom",
        source=source,
        fill_color="colour",
        line_color="colour",
        legend_label="candles",
    )
    plot.add_tools(
        HoverTool(
            renderers=[body],
            tooltips=[
                ("IST", "@x{%H:%M}"),
                ("O/H/L/C", "@open / @high / @low / @close"),
                ("volume", "@volume"),
            ],
            formatters={"@x": "datetime"},
        )
    )


def _features(plot: Any, series: SymbolSeries) -> None:
    bars = series.bars
    source = ColumnDataSource(
        {
            "x": [_shown(b.start) for b in bars],
            "sma": [b.sma for b in bars],
            "ema": [b.ema for b in bars],
            "upper": [b.band_upper for b in bars],
            "lower": [b.band_lower for b in bars],
        }
    )
    k = f"{series.atr_band_multiple:g}"
    plot.varea(
        "x",
        "lower",
        "upper",
        source=source,
        fill_color="#8e44ad",
        fill_alpha=0.08,
        legend_label=f"SMA ± {k} ATR",
    )
    plot.line("x", "sma", source=source, color="#e67e22", line_width=1.5, legend_label="SMA 20")
    plot.line("x", "ema", source=source, color="#8e44ad", line_width=1.5, legend_label="EMA 20")


def _close_at(bars: Sequence[ChartBar], at: datetime) -> float:
    """The close of the last bar started by `at` (the first bar's open before any)."""
    i = bisect_right([b.start for b in bars], at)
    return float(bars[i - 1].close) if i else float(bars[0].open)


def _news(plot: Any, series: SymbolSeries, top: float) -> None:
    if not series.news:
        return
    source = ColumnDataSource(
        {
            "x": [_shown(n.at) for n in series.news],
            "y": [top] * len(series.news),
            "kind": [n.kind for n in series.news],
            "headline": [n.headline for n in series.news],
            "source": [n.source for n in series.news],
            "colour": ["#d35400" if n.kind == "announcement" else "#34495e" for n in series.news],
        }
    )
    marks = plot.scatter(
        "x",
        "y",
        source=source,
        marker="inverted_triangle",
        size=12,
        color="colour",
        legend_label="news / announcements",
    )
    plot.add_tools(
        HoverTool(
            renderers=[marks],
            tooltips=[("IST", "@x{%H:%M:%S}"), ("", "@kind from @source"), ("", "@headline")],
            formatters={"@x": "datetime"},
        )
    )


def _signals(plot: Any, series: SymbolSeries) -> None:
    if not series.signals or not series.bars:
        return
    source = ColumnDataSource(
        {
            "x": [_shown(s.at) for s in series.signals],
            "y": [
                float(s.reference_price)
                if s.reference_price is not None
                else _close_at(series.bars, s.at)
                for s in series.signals
            ],
            "strategy": [s.strategy for s in series.signals],
            "outcome": [s.outcome for s in series.signals],
            "reason": [s.reason[:160] for s in series.signals],
            "marker": ["triangle" if s.outcome == "scored" else "x" for s in series.signals],
        }
    )
    marks = plot.scatter(
        "x",
        "y",
        source=source,
        marker="marker",
        size=13,
        color="#111111",
        fill_alpha=0.3,
        legend_label="signals",
    )
    plot.add_tools(
        HoverTool(renderers=[marks], tooltips=[("signal", "@strategy (@outcome)"), ("", "@reason")])
    )


def _card_end(card: ChartCard, range_end: datetime) -> datetime:
    """Where a card's lines stop: its expiry while no order filled, else the range's end."""
    return range_end if card.fills else min(card.expires_at, range_end)


def _cards(plot: Any, series: SymbolSeries, range_end: datetime) -> None:
    cards = series.cards
    if not cards:
        return
    for name, colour, dash in CARD_LINES:
        # A plain entry (a DCA buy) has no stop or target line to draw.
        drawn = [c for c in cards if getattr(c, name) is not None]
        if not drawn:
            continue
        source = ColumnDataSource(
            {
                "x0": [_shown(c.at) for c in drawn],
                "x1": [_shown(_card_end(c, range_end)) for c in drawn],
                "y": [float(getattr(c, name)) for c in drawn],
                "card": [c.card_id for c in drawn],
                "status": [c.status for c in drawn],
            }
        )
        lines = plot.segment(
            "x0",
            "y",
            "x1",
            "y",
            source=source,
            color=colour,
            line_width=2,
            line_dash=dash,
            legend_label=f"card {name}",
        )
        plot.add_tools(
            HoverTool(
                renderers=[lines], tooltips=[("card", "@card (@status)"), (name, "@y{0,0.00}")]
            )
        )
    fills = [f for c in cards for f in c.fills]
    if fills:
        source = ColumnDataSource(
            {
                "x": [_shown(f.at) for f in fills],
                "y": [float(f.price) for f in fills],
                "leg": [f.leg for f in fills],
                "side": [f.side for f in fills],
                "quantity": [f.quantity for f in fills],
                "colour": [LEG_COLOURS.get(f.leg, "#555555") for f in fills],
            }
        )
        marks = plot.scatter(
            "x",
            "y",
            source=source,
            marker="circle",
            size=11,
            color="colour",
            line_color="#000000",
            legend_label="fills",
        )
        plot.add_tools(
            HoverTool(renderers=[marks], tooltips=[("fill", "@leg @side @quantity at @y{0,0.00}")])
        )


def _rsi(series: SymbolSeries, x_range: Any) -> Any:
    plot = figure(
        x_axis_type="datetime",
        x_range=x_range,
        height=170,
        sizing_mode="stretch_width",
        title="RSI 14",
        tools=TOOLS,
        y_range=Range1d(start=0, end=100),
    )
    rsi = ColumnDataSource(
        {"x": [_shown(b.start) for b in series.bars], "rsi": [b.rsi for b in series.bars]}
    )
    plot.line(
        "x",
        "rsi",
        source=rsi,
        color="#1f5fa8",
        line_width=1.5,
    )
    for level in RSI_LEVELS:
        plot.add_layout(
            Span(location=level, dimension="width", line_dash="dashed", line_color="#7f8c8d")
        )
    return plot


def symbol_chart(series: SymbolSeries) -> dict[str, Any]:
    """The chart as bokeh's JSON item (for `Bokeh.embed.embed_item`)."""
    span = f"{series.start} to {series.day}" if series.days > 1 else f"{series.day}"
    price = figure(
        x_axis_type="datetime",
        height=430,
        sizing_mode="stretch_width",
        title=f"{series.symbol} — {span} (IST)",
        tools=TOOLS,
        active_scroll="xwheel_zoom",
    )
    bars = series.bars
    if bars:
        _candles(price, bars)
        _features(price, series)
        highs, lows = [float(b.high) for b in bars], [float(b.low) for b in bars]
        top = max(highs) + (max(highs) - min(lows)) * 0.04
        _news(price, series, top)
        _signals(price, series)
        _cards(price, series, bars[-1].start + timedelta(minutes=1))
        price.legend.location = "top_left"
        price.legend.click_policy = "hide"
    price.yaxis.axis_label = "₹"
    return dict(
        json_item(column(price, _rsi(series, price.x_range), sizing_mode="stretch_width"), CHART_ID)
    )
