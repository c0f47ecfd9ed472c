"""DCA buys: at each time a DCA strategy's schedule falls due, a signal to buy its amount of
its symbol at the last close the desk has, then a card per account (or the reason not).

A DCA buy is a long-term accumulation: a plain entry with no stop and no target (nothing is
made up to fill those fields). Sizing is floor(amount / price) whole shares (whole lots);
the mandate, the guardrails (position cap, cash, liquidity, exposure, market hours, ...)
and the kill switch decide whether the card is proposed or blocked, and the block names the
reason. Risk-per-trade, the volatility target and Kelly size by the distance to a stop, so
they do not apply to an entry that has none; the card says so.

Pure: the caller gathers the facts and records what comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain import guardrails
from domain.allocation import ProposalFacts, mandate_refusal
from domain.costs import fill_costs, product_for
from domain.events import CardBlocked, CardProposed, SignalFiltered, SignalScored
from domain.session import ist
from domain.sizing import reserve_for
from domain.strategy.book import DcaPlan, Strategy, StrategyBook
from domain.values import Horizon, Side

PLAIN_ENTRY = (
    "a plain entry with no stop and no target: a long-term accumulation, held "
    "until an operator exits it"
)


@dataclass(frozen=True)
class DcaFacts:
    """What the desk knows at a DCA strategy's due time."""

    signal_id: str
    plan: DcaPlan
    sector: str
    price: Decimal | None  # the symbol's last bar close the desk has (None: no bar yet)
    price_at: datetime | None  # that bar's end
    known: bool  # the symbol is in the instrument master of the day
    due: datetime  # the cron time the buy falls due at (desk time)
    now: datetime  # the closing bar that brought the desk to or past `due`
    evidence: tuple[UUID, ...]
    strategy_version: str = ""


def dca_signal(
    strategy: Strategy, book: StrategyBook, facts: DcaFacts
) -> SignalScored | SignalFiltered:
    """The buy that falls due, priced at the last close, or why there is none."""
    plan = facts.plan
    reason = _unpriceable(facts)
    if reason:
        return SignalFiltered(
            signal_id=facts.signal_id,
            strategy=strategy.name,
            symbol=plan.symbol,
            reason=reason,
            evidence=facts.evidence,
            strategy_version=facts.strategy_version,
        )
    assert facts.price is not None and facts.price_at is not None
    shares = plan.quantity(facts.price)
    return SignalScored(
        signal_id=facts.signal_id,
        strategy=strategy.name,
        playbook_version=book.version,
        symbol=plan.symbol,
        sector=facts.sector,
        side=Side.BUY,
        score=strategy.score,
        reference_price=facts.price,
        stop=None,
        target=None,
        horizon=_horizon(strategy),
        expires_at=facts.due + timedelta(minutes=strategy.expiry_minutes),
        rationale=(
            f"{strategy.name}: DCA buy of Rs {plan.amount} of {plan.symbol} due "
            f"{ist(facts.due):%Y-%m-%d %H:%M} IST (schedule '{strategy.schedule.cron}'); last "
            f"close {facts.price} at {facts.price_at.isoformat()}: floor({plan.amount} / "
            f"{facts.price}) = {shares} shares; {PLAIN_ENTRY}."
        ),
        evidence=facts.evidence,
        catalyst_at=facts.due,
        horizon_bars=None,
        meta=None,
        strategy_version=facts.strategy_version,
    )


def _unpriceable(facts: DcaFacts) -> str:
    plan, due = facts.plan, f"{ist(facts.due):%Y-%m-%d %H:%M} IST"
    if not facts.known:
        return f"DCA skipped at {due}: {plan.symbol} is not in the instrument master"
    if facts.price is None:
        return f"DCA skipped at {due}: no price: the desk has no bar for {plan.symbol} yet"
    if plan.quantity(facts.price) < 1:
        return (
            f"DCA skipped at {due}: Rs {plan.amount} buys no whole share of "
            f"{plan.symbol} at {facts.price}"
        )
    return ""


def propose_dca_card(facts: ProposalFacts, plan: DcaPlan) -> CardProposed | CardBlocked:
    """One account's DCA card: floor(amount / price) shares under the mandate and the
    guardrails, or blocked with the reason."""
    signal, mandate, book = facts.signal, facts.mandate, facts.book
    strategy = book.strategies[signal.strategy]
    common = {
        "card_id": facts.card_id,
        "account_id": facts.account_id,
        "signal_id": signal.signal_id,
        "symbol": signal.symbol,
        "evidence": signal.evidence,
        "strategy_version": signal.strategy_version,
    }
    refusal = mandate_refusal(mandate, strategy, signal, 0.0)
    if refusal:
        return CardBlocked(**common, reason=refusal)
    price, lot = signal.reference_price, facts.instrument.lot_size
    shares = plan.quantity(price)
    quantity = shares - shares % lot
    sizing = (
        f"floor(amount {plan.amount} / last close {price}) = {shares}"
        + (f"; whole lots of {lot} -> {quantity}" if lot > 1 else "")
        + "; no stop, so risk per trade, the volatility target and Kelly-lite do not "
        "apply: the position cap and cash are checked by the guardrails"
    )
    if quantity < 1:
        return CardBlocked(**common, reason=f"sizing: size rounds to zero shares ({sizing})")
    checks = guardrails.check(
        guardrails.CardFacts(
            quantity,
            price,
            reserve_for(price, quantity),
            facts.equity,
            facts.available,
            mandate,
            facts.halted,
            facts.now,
            facts.context,
            book.calendar,
        )
    )
    if reason := guardrails.refusal(checks):
        return CardBlocked(**common, reason=reason, guardrails=checks)
    product = product_for(mandate.horizon)
    ttl = timedelta(minutes=book.allocation.card_ttl_minutes)
    return CardProposed(
        **common,
        strategy=signal.strategy,
        side=Side.BUY,
        quantity=quantity,
        reference_price=price,
        stop=None,
        target=None,
        horizon=mandate.horizon,
        expires_at=min(facts.now + ttl, signal.expires_at),
        mandate_version=facts.mandate_version,
        thesis=f"{signal.rationale} Sized for {facts.account_name} ({mandate.objective}, "
        f"{mandate.horizon}, {product} product) under {book.version}.",
        sizing=sizing,
        # A held buy has no planned sale: the buy side's charges only.
        expected_cost=fill_costs(Side.BUY, quantity, price, product, facts.now.date()).total,
        guardrails=checks,
        sector=signal.sector,
        catalyst_at=signal.catalyst_at,
        meta=None,
        adv_value=facts.instrument.adv_value,
    )


def _horizon(strategy: Strategy) -> Horizon:
    order = (Horizon.INTRADAY, Horizon.SWING, Horizon.POSITIONAL)
    return min(strategy.horizons, key=order.index)
