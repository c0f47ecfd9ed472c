"""The symbol page's figures: one symbol's bars with the strategies' features, the news
linked to it, its signals and its cards with their fills (`projections.symbol_chart`
gathers them from the log; `adapters.reports.symbol_chart` draws them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict

from domain.session import IST

# Answered in IST with its offset, as the API answers every time, whatever the source gave.
IstTime = Annotated[datetime, AfterValidator(lambda at: at.astimezone(IST))]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class ChartBar(_Row):
    """One bar with the features after it; a feature is null through its warm-up."""

    start: IstTime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int
    sma: float | None
    ema: float | None
    atr: float | None
    band_upper: float | None  # sma + atr_band_multiple * atr
    band_lower: float | None
    rsi: float | None


class NewsMarker(_Row):
    """A news item or an exchange announcement linked to the symbol."""

    event_id: UUID
    at: IstTime  # when it was published
    kind: str  # "news" or "announcement"
    source: str
    category: str
    headline: str


class SignalMarker(_Row):
    """A strategy's signal on the symbol: scored (with its prices) or filtered out."""

    signal_id: str
    at: IstTime
    strategy: str
    strategy_version: str
    outcome: str  # "scored" or "filtered"
    side: str | None
    score: Decimal | None
    reference_price: Decimal | None
    stop: Decimal | None
    target: Decimal | None
    reason: str  # the rationale of a scored signal, why a filtered one was dropped


class ChartFill(_Row):
    """One leg of a card's order filled."""

    at: IstTime
    order_id: str
    leg: str
    side: str
    quantity: int
    price: Decimal


class ChartCard(_Row):
    """A card on the symbol: its entry (reference price), stop and target, what became of
    it, and the fills of its order."""

    card_id: str
    account_id: str
    strategy: str
    at: IstTime
    expires_at: IstTime
    side: str
    quantity: int
    entry: Decimal
    stop: Decimal | None  # None (with the target): a plain entry (a DCA buy)
    target: Decimal | None
    status: str
    reason: str
    fills: list[ChartFill]


class SymbolSeries(_Row):
    """Everything the symbol page draws for `symbol` over the IST days `start`..`day`."""

    symbol: str
    day: date | None  # the last IST day drawn (None: the symbol has no bars yet)
    start: date | None
    days: int
    bars_in_log: int  # the symbol's bars in the whole log, the range aside
    atr_band_multiple: float
    bars: list[ChartBar]
    news: list[NewsMarker]
    signals: list[SignalMarker]
    cards: list[ChartCard]
