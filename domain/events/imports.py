"""Facts from outside the desk that tax lots need: trades from a broker's tradebook and
corporate actions that change holdings."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, Field

from domain.events.envelope import Payload, register
from domain.money import ZERO, Money, Price
from domain.tax.trades import ActionKind
from domain.values import Quantity, Side, Symbol

NonNegativeMoney = Annotated[Money, Field(ge=0)]
SOURCE_MAX_LENGTH = 300  # characters of `TradeImported.source` (file name and line)


@register
class TradeImported(Payload):
    """One equity trade of an account, from a broker's tradebook. `linked_fill` names the
    desk's own fill when it is the same trade: the fill then stands for it in tax lots."""

    account_id: str
    broker: str
    exchange: str
    trade_id: str
    order_id: str = ""
    trade_date: date
    traded_at: AwareDatetime
    symbol: Symbol
    isin: str = ""
    side: Side
    quantity: Quantity
    price: Price
    charges: NonNegativeMoney = ZERO  # every charge but STT, when the file has them
    stt: NonNegativeMoney = ZERO
    source: Annotated[str, Field(max_length=SOURCE_MAX_LENGTH)]  # file name and line
    linked_fill: str | None = None


@register
class CorporateActionRecorded(Payload):
    """A split or bonus of a scrip, effective on its ex-date: `new` shares for every `old`."""

    symbol: Symbol
    kind: ActionKind
    new: Annotated[int, Field(ge=1)]
    old: Annotated[int, Field(ge=1)]
    ex_date: date
    reference: str = ""
