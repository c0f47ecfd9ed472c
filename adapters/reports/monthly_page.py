"""The monthly report page: headline figures, equity and drawdown by day, daily returns,
attribution by strategy, playbook and account, and the charges paid by kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from bokeh.layouts import column
from bokeh.models import LayoutDOM, NumeralTickFormatter, Range1d
from bokeh.plotting import figure

from adapters.reports.figures import percent, rupees
from adapters.reports.html_page import Table, page_html
from domain.reports import Attribution, MonthlyReport

_TOOLS = "pan,box_zoom,reset,save"
_DAY_MS = 86_400_000


def _day_axis(report: MonthlyReport) -> Range1d:
    """The whole month (half a day either side), so a short month still reads as one."""
    first = datetime.strptime(report.month, "%Y-%m")
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Range1d(start=first - timedelta(hours=12), end=last + timedelta(hours=12))


def _figure(title: str, height: int, x_range: Range1d) -> figure:
    plot = figure(height=height, sizing_mode="stretch_width", x_axis_type="datetime",
                  x_range=x_range, title=title, tools=_TOOLS)
    plot.yaxis.formatter = NumeralTickFormatter(format="0,0.[00]")
    return plot


def _charts(report: MonthlyReport) -> LayoutDOM:
    days = [datetime.combine(d.day, time(0)) for d in report.days]
    axis = _day_axis(report)
    equity = _figure("Equity at each day's close (₹)", 260, axis)
    equity.line(days, [float(d.equity) for d in report.days], line_width=2, color="#1f5fa8")
    equity.scatter(days, [float(d.equity) for d in report.days], size=6, color="#1f5fa8")
    drawdown = _figure("Drawdown %", 170, axis)
    drawdown.vbar(x=days, top=[float(d.drawdown_pct) for d in report.days],
                  width=_DAY_MS * 0.7, color="#c0392b", alpha=0.6)
    returns = _figure("Return by day %", 170, axis)
    values = [float(d.return_pct or 0) for d in report.days]
    returns.vbar(x=days, top=values, width=_DAY_MS * 0.7,
                 color=["#2e7d32" if v >= 0 else "#c0392b" for v in values])
    return column(equity, drawdown, returns, sizing_mode="stretch_width")


def _attribution(rows: Sequence[Attribution], name: str) -> Table:
    return (
        (name, "Trades", "Wins", "Hit rate", "Gross P&L", "Charges", "P&L after charges"),
        [
            (
                a.key,
                a.trades,
                a.wins,
                percent(a.hit_rate_pct),
                rupees(a.gross_pnl),
                rupees(a.charges),
                rupees(a.net_pnl),
            )
            for a in rows
        ],
    )


def monthly_html(report: MonthlyReport) -> str:
    """The monthly report page for `report.month`."""
    scope = f"account {report.account}" if report.account else "the desk"
    headline: Table = (
        ("Month", "Value"),
        [
            ("P&L after charges (open positions at their marks)", rupees(report.pnl)),
            ("Return (daily returns compounded)", percent(report.return_pct)),
            ("Max drawdown", percent(report.max_drawdown_pct)),
            ("Closed trades", report.trades),
            ("Winning trades", report.wins),
            ("Hit rate", percent(report.hit_rate_pct)),
            ("Realised P&L after charges", rupees(report.realised_pnl)),
            ("Charges on the month's fills", rupees(report.charges)),
        ],
    )
    days: Table = (
        ("Day", "Equity at close", "Net inflow", "P&L", "Return", "Drawdown"),
        [
            (
                f"{d.day:%a %d %b}",
                rupees(d.equity),
                rupees(d.net_inflow),
                rupees(d.pnl),
                percent(d.return_pct, 4),
                percent(d.drawdown_pct, 4),
            )
            for d in report.days
        ],
    )
    charges: Table = (
        ("Charge", "Paid"),
        [
            *[(kind, rupees(v)) for kind, v in report.charges_by_kind.items()],
            ("total", rupees(report.charges)),
        ],
    )
    sections: list[tuple[str, LayoutDOM | Table]] = [("Headline", headline)]
    if report.days:
        sections.append(("Equity, drawdown and daily returns", _charts(report)))
    sections += [
        (f"Returns by day ({len(report.days)} days with events)", days),
        ("Attribution by strategy", _attribution(report.by_strategy, "Strategy")),
        ("Attribution by playbook", _attribution(report.by_playbook, "Playbook")),
        ("Attribution by account", _attribution(report.by_account, "Account")),
        ("Charges by kind", charges),
    ]
    return page_html(
        f"Monthly report {report.month}",
        f"{scope}, from the event log up to position {report.as_of_position}",
        sections,
    )
