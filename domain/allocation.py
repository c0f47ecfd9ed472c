"""The card decision: one scored signal and one account become a sized card or the reason
there is none.

Pure: the caller gathers the facts from the read model (`ProposalFacts`); the decision is a
mandate check, then sizing, then the guardrails, and the event that says which one ended it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from domain import guardrails
from domain.costs import product_for, round_trip_estimate
from domain.events import CardBlocked, CardProposed, SignalScored
from domain.instruments import Instrument
from domain.rule_sizing import size_by_rule
from domain.sizing import RiskModel, SizingRefused, size_long
from domain.strategy.book import RankBy, SizingRule, Strategy, StrategyBook
from domain.values import Mandate, Side

SESSION_BARS = 375  # 1-minute bars in a session: scales per-bar volatility to a day


@dataclass(frozen=True)
class ProposalFacts:
    """What the decision looks at for one account and one scored signal."""

    card_id: str
    account_id: str
    account_name: str
    mandate: Mandate
    mandate_version: int
    signal: SignalScored  # scored, so it carries its meta-label
    book: StrategyBook
    instrument: Instrument
    equity: Decimal
    available: Decimal  # available cash less what the account's waiting cards would reserve
    halted: bool  # the account's or the desk's kill switch
    realised_vol: float | None  # the symbol's per-bar realised volatility, when warmed up
    context: guardrails.Context | None  # the strategy book's guardrail context
    now: datetime


def rank_key(rank_by: RankBy, signal: SignalScored) -> tuple[Decimal, str]:
    """Sort key, best first: the objective's measure, then the signal id for ties."""
    meta = signal.meta
    assert meta is not None
    if rank_by is RankBy.EDGE:
        measure = meta.edge_r
    elif rank_by is RankBy.BALANCE:
        measure = meta.edge_r * meta.quality
    else:
        measure = meta.quality - meta.p_stop
    return -measure, signal.signal_id


def mandate_refusal(mandate: Mandate, strategy: Strategy, signal: SignalScored,
                    min_quality: float) -> str:
    """Why the mandate rules the signal out ("" when it does not)."""
    if signal.side is Side.SELL:
        return (f"long-only desk: {strategy.name} is bearish on {signal.symbol}, and "
                "cash equity is not sold short")
    if mandate.horizon not in strategy.horizons:
        allowed = ", ".join(h.value for h in strategy.horizons)
        return f"mandate: horizon {mandate.horizon} is not one {strategy.name} trades " \
               f"({allowed})"
    if not mandate.allows_sector(signal.sector):
        return f"mandate: sector {signal.sector} not allowed"
    meta = signal.meta
    if meta is not None and meta.quality < Decimal(repr(min_quality)):
        return (f"objective {mandate.objective} takes quality {min_quality:g} or more; "
                f"this signal is {meta.quality}")
    return ""


def propose_card(facts: ProposalFacts) -> CardProposed | CardBlocked:
    """The card for `facts`: proposed with its sizing, or blocked with the reason."""
    signal, mandate, book = facts.signal, facts.mandate, facts.book
    meta = signal.meta
    assert meta is not None
    assert signal.stop is not None and signal.target is not None  # plain entries: domain.dca
    objective = book.allocation.objectives[mandate.objective]
    common = {"card_id": facts.card_id, "account_id": facts.account_id,
              "signal_id": signal.signal_id, "symbol": signal.symbol,
              "evidence": signal.evidence, "strategy_version": signal.strategy_version}
    strategy = book.strategies[signal.strategy]
    # A strategy that exits by rule trades on its rules: the meta-label informs, not vetoes.
    refusal = mandate_refusal(mandate, strategy, signal,
                              -math.inf if strategy.exit_when else objective.min_quality)
    if refusal:
        return CardBlocked(**common, reason=refusal)
    sigma = facts.realised_vol
    model = RiskModel(
        vol_target_pct=objective.vol_target_pct,
        daily_sigma=(Decimal(repr(sigma * math.sqrt(SESSION_BARS))) if sigma else None),
        kelly_fraction=book.allocation.kelly_fraction, kelly=meta.kelly,
    )
    if strategy.sizing.rule is SizingRule.ALLOCATION:
        sizing = size_long(mandate, facts.equity, facts.available, signal.reference_price,
                           signal.stop, lot=facts.instrument.lot_size, model=model)
    else:  # the strategy's own quantity; the guardrails below still judge it
        sizing = size_by_rule(strategy.sizing, facts.equity, signal.reference_price,
                              facts.instrument.lot_size)
    if isinstance(sizing, SizingRefused):
        return CardBlocked(**common, reason=f"sizing: {sizing.reason}")
    checks = guardrails.check(guardrails.CardFacts(
        sizing.quantity, signal.reference_price, sizing.reserve, facts.equity, facts.available,
        mandate, facts.halted, facts.now, facts.context, book.calendar,
    ))
    if reason := guardrails.refusal(checks):
        return CardBlocked(**common, reason=reason, guardrails=checks)
    product = product_for(mandate.horizon)
    ttl = timedelta(minutes=book.allocation.card_ttl_minutes)
    return CardProposed(
        **common, strategy=signal.strategy, side=signal.side,
        quantity=sizing.quantity, reference_price=signal.reference_price,
        stop=signal.stop, target=signal.target, horizon=mandate.horizon,
        expires_at=min(facts.now + ttl, signal.expires_at),
        mandate_version=facts.mandate_version,
        thesis=f"{signal.rationale} {meta.explanation}. Sized for {facts.account_name} "
        f"({mandate.objective}, {mandate.horizon}, {product} product) under "
        f"{book.version}.",
        sizing=sizing.explanation,
        expected_cost=round_trip_estimate(
            sizing.quantity, signal.reference_price, signal.target, product, facts.now.date(),
        ),
        guardrails=checks, sector=signal.sector, catalyst_at=signal.catalyst_at,
        meta=meta, adv_value=facts.instrument.adv_value,
    )
