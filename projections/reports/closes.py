"""What the reports take from the desk view at an IST day's end: each account's name,
equity, unrealised P&L, capital funded and halt, the open positions at the marks, and
which kill switches stand. The full read takes it from a view folded to the day's end; the
report index keeps one per day, so both paths draw a report from the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.events import DESK_SCOPE
from domain.money import ZERO
from domain.reports import PositionEod
from projections.desk import DeskView
from projections.reports.window import paisa


@dataclass(frozen=True)
class AccountClose:
    """One account as the view stood at the close (money unrounded; reports round)."""

    account_id: str
    name: str  # '' when the log has no AccountOpened for it
    has_cash: bool  # a cash ledger exists (the monthly report sums these)
    unrealised: Decimal
    equity: Decimal
    funded: Decimal
    halted: bool


@dataclass(frozen=True)
class DayClose:
    """The view's figures at one day's end, for every account."""

    position: int  # the view's last folded log position
    accounts: tuple[AccountClose, ...]  # by account id
    positions: tuple[PositionEod, ...]  # open positions, account by account
    tripped: tuple[str, ...]  # scopes whose kill switch stands tripped, sorted

    def of(self, account: str | None) -> tuple[AccountClose, ...]:
        """Every account, or only `account`."""
        return tuple(a for a in self.accounts if account is None or a.account_id == account)

    @property
    def desk_halted(self) -> bool:
        """True when the desk-wide kill switch stands tripped."""
        return DESK_SCOPE in self.tripped


EMPTY_CLOSE = DayClose(position=0, accounts=(), positions=(), tripped=())


def close_of(view: DeskView) -> DayClose:
    """The figures the reports need from `view` as it stands."""
    ids = sorted(set(view.accounts) | set(view.cash))
    marks = view.positions.marks
    accounts = tuple(
        AccountClose(
            account_id=a,
            name=row.name if (row := view.accounts.get(a)) else "",
            has_cash=a in view.cash,
            unrealised=view.unrealised(a),
            equity=view.equity(a),
            funded=view.cash[a].funded if a in view.cash else ZERO,
            halted=view.halted(a),
        )
        for a in ids
    )
    positions = tuple(
        PositionEod(
            account_id=p.account_id,
            symbol=p.symbol,
            quantity=p.quantity,
            average_price=paisa(p.average_price),
            mark=marks.get(p.symbol),
            unrealised_pnl=paisa(p.unrealised(marks.get(p.symbol))),
        )
        for a in ids
        for p in view.positions.of(a)
        if p.quantity
    )
    tripped = tuple(s for s, k in sorted(view.kills.items()) if k.tripped)
    return DayClose(view.position, accounts, positions, tripped)


def capital(close: DayClose, account: str | None) -> tuple[Decimal, Decimal]:
    """(equity to the paisa, funded) of one account or of every account with cash."""
    rows = [a for a in close.of(account) if a.has_cash]
    return paisa(sum((a.equity for a in rows), ZERO)), sum((a.funded for a in rows), ZERO)
