"""Decisions: signals, trade cards and what operators and the desk did with them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, Field

from domain.events.envelope import Payload, register
from domain.money import Money, Price
from domain.values import GuardrailResult, Horizon, MetaLabel, Quantity, Side, Symbol


@register
class SignalScored(Payload):
    """A strategy's view on a symbol, with the events it rests on."""

    signal_id: str
    strategy: str
    playbook_version: str
    symbol: Symbol
    sector: str
    side: Side
    score: Annotated[Decimal, Field(ge=0, le=1)]
    reference_price: Price
    stop: Price | None  # None: a plain entry with no exits (a DCA buy is held)
    target: Price | None
    horizon: Horizon
    expires_at: AwareDatetime
    rationale: str
    evidence: tuple[UUID, ...]
    catalyst_at: AwareDatetime | None = None  # when the news or bar behind it happened
    horizon_bars: int | None = None
    meta: MetaLabel | None = None
    strategy_version: str = ""  # the version that made it ("" before versions were logged)


@register
class CardProposed(Payload):
    """A sized trade proposal for one account, waiting for a human."""

    card_id: str
    account_id: str
    signal_id: str
    strategy: str
    symbol: Symbol
    side: Side
    quantity: Quantity
    reference_price: Price
    stop: Price | None  # None: a plain entry with no exits (a DCA buy is held)
    target: Price | None
    horizon: Horizon
    expires_at: AwareDatetime
    mandate_version: int
    thesis: str
    sizing: str
    expected_cost: Money
    guardrails: tuple[GuardrailResult, ...]
    evidence: tuple[UUID, ...]
    sector: str = ""
    catalyst_at: AwareDatetime | None = None
    meta: MetaLabel | None = None
    adv_value: Money | None = None  # the instrument's average daily value when proposed
    strategy_version: str = ""  # the version that made its signal


@register
class SignalFiltered(Payload):
    """A signal that will not reach any account, with the reason."""

    signal_id: str
    strategy: str
    symbol: Symbol
    reason: str
    evidence: tuple[UUID, ...]
    meta: MetaLabel | None = None
    strategy_version: str = ""


@register
class NewsTagged(Payload):
    """What the tagger made of a news item or filing, and the rules that decided it."""

    source_event: UUID
    category: str
    symbols: tuple[Symbol, ...]
    confidence: str
    ambiguous: bool
    reasons: tuple[str, ...]  # the rules that fired, or why it is ambiguous / unknown
    rules_version: str
    results_due: bool = False  # a board meeting on results: the results blackout opens


@register
class CardBlocked(Payload):
    """An account's card for a signal was not proposed: mandate, guardrail or sizing said no."""

    card_id: str
    account_id: str
    signal_id: str
    symbol: Symbol
    reason: str
    guardrails: tuple[GuardrailResult, ...] = ()
    evidence: tuple[UUID, ...] = ()
    strategy_version: str = ""  # the version that made its signal


@register
class CardApproved(Payload):
    """An operator approved the card; guardrails were re-checked and passed."""

    card_id: str
    account_id: str
    approved_by: str
    guardrails: tuple[GuardrailResult, ...] = ()


@register
class CardRejected(Payload):
    """The card will not trade: an operator said no, or a re-check failed."""

    card_id: str
    account_id: str
    rejected_by: str
    reason: str


@register
class CardExpired(Payload):
    """The card passed its expiry without a decision."""

    card_id: str
    account_id: str


@register
class OrderDenied(Payload):
    """Approval could not become an order (cash, kill switch, closed market), with why."""

    card_id: str
    account_id: str
    reason: str
    required_cash: Money | None = None
