"""What the tax computation reads: trades (the desk's own fills and imported ones) and the
corporate actions that change lots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.session import ist
from domain.values import Side


@dataclass(frozen=True)
class TaxTrade:
    """One trade in a demat account: `charges` are every charge but STT (which the law
    keeps out of a capital gain's cost), both to the paisa."""

    key: str  # the trade's identity: the desk fill id or the import's stream id
    account_id: str
    symbol: str
    side: Side
    quantity: int
    price: Decimal
    at: datetime  # aware
    charges: Decimal = Decimal("0")
    stt: Decimal = Decimal("0")
    # The consideration when it is not price x quantity to the paisa: a day's netted
    # remainder priced at the average of several trades.
    gross: Decimal | None = None

    @property
    def day(self) -> date:
        """The IST trading day: intraday netting and holding periods count in it."""
        return ist(self.at).date()

    @property
    def value(self) -> Decimal:
        return self.price * self.quantity if self.gross is None else self.gross


class ActionKind(StrEnum):
    SPLIT = "SPLIT"
    BONUS = "BONUS"


@dataclass(frozen=True)
class CorporateAction:
    """A split (`new` shares for every `old`) or a bonus (`new` bonus shares for every `old`
    held), effective on the ex-date: holdings at the previous close are entitled."""

    symbol: str
    kind: ActionKind
    new: int
    old: int
    ex_date: date
    reference: str = ""
