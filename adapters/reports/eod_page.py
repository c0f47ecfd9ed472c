"""The end-of-day report page: the desk's and each account's day, the P&L by account as a
chart, positions at the close, kill switches and every card decision with its reason."""

from __future__ import annotations

from bokeh.models import FactorRange, LayoutDOM
from bokeh.plotting import figure

from adapters.reports.figures import ist_time, rupees
from adapters.reports.html_page import Table, page_html
from domain.reports import AccountEod, EodReport

_ROWS: tuple[tuple[str, str], ...] = (  # (label, field) of the desk's headline
    ("P&L after charges (realised)", "realised_pnl"),
    ("Gross realised P&L", "gross_pnl"),
    ("Charges on closed trades", "charges"),
    ("Unrealised P&L at the close", "unrealised_pnl"),
    ("Total P&L", "total_pnl"),
    ("Charges on the day's fills", "fill_charges"),
    ("Equity at the close", "equity"),
)
_COUNTS: tuple[tuple[str, str], ...] = (
    ("Closed trades", "closed_trades"),
    ("Fills", "fills"),
    ("Orders", "orders"),
    ("Cards proposed", "cards_proposed"),
    ("Cards approved", "cards_approved"),
    ("Cards blocked", "cards_blocked"),
    ("Cards rejected", "cards_rejected"),
    ("Cards expired", "cards_expired"),
    ("Orders denied", "orders_denied"),
)


def _headline(desk: AccountEod) -> Table:
    return (
        ("Desk", "Value"),
        [
            *[(label, rupees(getattr(desk, f))) for label, f in _ROWS],
            *[(label, getattr(desk, f)) for label, f in _COUNTS],
        ],
    )


def _accounts(report: EodReport) -> Table:
    return (
        (
            "Account",
            "P&L after charges",
            "Charges",
            "Unrealised",
            "Total",
            "Trades",
            "Proposed",
            "Approved",
            "Blocked",
            "Rejected",
            "Equity",
            "Halted",
            "Name",
        ),
        [
            (
                a.account_id,
                rupees(a.realised_pnl),
                rupees(a.charges),
                rupees(a.unrealised_pnl),
                rupees(a.total_pnl),
                a.closed_trades,
                a.cards_proposed,
                a.cards_approved,
                a.cards_blocked,
                a.cards_rejected,
                rupees(a.equity),
                "HALTED" if a.halted else "trading",
                a.name,
            )
            for a in report.accounts
        ],
    )


def _chart(report: EodReport) -> LayoutDOM:
    names = [a.account_id for a in report.accounts]
    plot = figure(
        x_range=FactorRange(factors=names),
        height=260,
        sizing_mode="stretch_width",
        title="P&L after charges by account (realised, then unrealised)",
        tools="save",
        toolbar_location="right",
    )
    plot.vbar(
        x=names,
        top=[float(a.realised_pnl) for a in report.accounts],
        width=0.5,
        color=["#2e7d32" if a.realised_pnl >= 0 else "#c0392b" for a in report.accounts],
        legend_label="realised after charges",
    )
    plot.scatter(
        x=names,
        y=[float(a.total_pnl) for a in report.accounts],
        size=10,
        color="#1f5fa8",
        legend_label="with unrealised",
    )
    plot.legend.location = "bottom_left"
    return plot


def eod_html(report: EodReport) -> str:
    """The EOD report page for `report.day`."""
    scope = f"account {report.account}" if report.account else "every account"
    subtitle = (
        f"{report.day:%A %d %B %Y} (IST), {scope}, from the event log up to position "
        f"{report.as_of_position}"
    )
    positions: Table = (
        ("Account", "Symbol", "Qty", "Average price", "Last mark", "Unrealised"),
        [
            (
                p.account_id,
                p.symbol,
                p.quantity,
                rupees(p.average_price),
                rupees(p.mark),
                rupees(p.unrealised_pnl),
            )
            for p in report.positions
        ],
    )
    kills: Table = (
        ("Time", "Scope", "Action", "Reason", "By"),
        [(ist_time(k.at), k.scope, k.action, k.reason, k.by) for k in report.kill_switches],
    )
    cards: Table = (
        ("Time", "Account", "Symbol", "Decision", "By", "Why"),
        [
            (ist_time(c.at), c.account_id, c.symbol, c.decision, c.by, c.reason)
            for c in report.cards
        ],
    )
    standing = ", ".join(report.halted_at_end) or "none"
    return page_html(
        f"End of day {report.day:%Y-%m-%d}",
        subtitle,
        [
            ("Desk", _headline(report.desk)),
            ("Accounts", _accounts(report)),
            ("P&L by account", _chart(report)),
            ("Positions open at the close", positions),
            (f"Kill switches (tripped at the close: {standing})", kills),
            (f"Card decisions ({len(report.cards)})", cards),
        ],
    )
