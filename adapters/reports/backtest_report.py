"""The backtest report page: headline metrics, equity and drawdown charts, the trades."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

from bokeh.layouts import column
from bokeh.models import LayoutDOM
from bokeh.plotting import figure

from adapters.reports.html_page import Table, page_html
from domain.backtest.engine import BacktestResult
from domain.backtest.metrics import drawdown

CHART_POINTS = 4000  # a curve of 1M bars is thinned to this many points for the page
TRADES_SHOWN = 500

METRIC_LABELS = {
    "total_return_pct": "Total return %",
    "cagr_pct": "CAGR %",
    "annual_volatility_pct": "Volatility (ann.) %",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "max_drawdown_pct": "Max drawdown %",
    "max_drawdown_duration_days": "Max drawdown duration (days)",
    "trades": "Trades",
    "win_rate_pct": "Win rate %",
    "profit_factor": "Profit factor",
    "expectancy_pct": "Expectancy % per trade",
    "expectancy_r": "Expectancy (R)",
    "exposure_pct": "Exposure %",
    "average_hold_days": "Average hold (days)",
    "final_equity": "Final equity",
}


def _thin(count: int) -> list[int]:
    """At most about CHART_POINTS evenly spread positions, the last one always kept."""
    step = max(1, math.ceil(count / CHART_POINTS))
    keep = list(range(0, count, step))
    if count and keep[-1] != count - 1:
        keep.append(count - 1)
    return keep


def _charts(result: BacktestResult, zone: ZoneInfo) -> LayoutDOM:
    keep = _thin(len(result.equity))
    local = result.equity_at.dt.convert_time_zone(zone.key).dt.replace_time_zone(None)
    times = local.gather(keep).to_list()
    dd = drawdown(result.equity)
    equity = [result.equity[i] for i in keep]
    shown_dd = [-100 * dd[i] for i in keep]
    top = figure(
        height=300,
        sizing_mode="stretch_width",
        x_axis_type="datetime",
        title="Equity",
        tools="pan,box_zoom,reset,save",
    )
    top.line(times, equity, line_width=1.6, color="#1f5fa8")
    bottom = figure(
        height=180,
        sizing_mode="stretch_width",
        x_axis_type="datetime",
        x_range=top.x_range,
        title="Drawdown %",
        tools="pan,box_zoom,reset,save",
    )
    bottom.varea(x=times, y1=shown_dd, y2=[0.0] * len(shown_dd), color="#c0392b", alpha=0.5)
    return column(top, bottom, sizing_mode="stretch_width")


def _shown(value: object) -> str:
    if isinstance(value, float):
        return (
            "n/a" if math.isnan(value) else f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.2f}"
        )
    return str(value)


def backtest_html(
    result: BacktestResult,
    metrics: dict[str, float | int | str],
    title: str,
    subtitle: str,
    zone: ZoneInfo,
) -> str:
    """The report page, times shown in `zone`."""
    headline: Table = (
        ("Metric", "Value"),
        [(label, _shown(metrics[k])) for k, label in METRIC_LABELS.items()],
    )
    trades: Table = (
        ("Strategy", "Symbol", "Qty", "Entry", "Entry price", "Exit", "Exit price", "Costs", "P&L"),
        [
            (
                t.strategy,
                t.symbol,
                t.quantity,
                f"{t.entry_at.astimezone(zone):%Y-%m-%d %H:%M}",
                t.entry_price,
                f"{t.exit_at.astimezone(zone):%Y-%m-%d %H:%M}",
                t.exit_price,
                t.costs,
                t.pnl,
            )
            for t in result.trades[:TRADES_SHOWN]
        ],
    )
    still_open: Table = (
        ("Strategy", "Symbol", "Qty", "Entry price", "Marked at last close"),
        [(p.strategy, p.symbol, p.quantity, p.entry_price, p.mark) for p in result.open_positions],
    )
    refused: Table = (
        ("Strategy", "Symbol", "At", "Why"),
        [
            (r.strategy, r.symbol, f"{r.at.astimezone(zone):%Y-%m-%d %H:%M}", r.reason)
            for r in result.refusals[:TRADES_SHOWN]
        ],
    )
    shown = min(len(result.trades), TRADES_SHOWN)
    return page_html(
        title,
        subtitle,
        [
            ("Headline", headline),
            ("Equity and drawdown", _charts(result, zone)),
            (f"Trades ({shown} of {len(result.trades)} shown)", trades),
            ("Open at the end (not counted as trades)", still_open),
            ("Entries refused", refused),
        ],
    )
