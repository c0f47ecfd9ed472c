"""From a strategy and the symbol's live features to a scored signal, or a filtered one.

Pure: the caller gathers the facts (features, instrument, catalyst time, the strategy's
record) and records what comes back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain.costs import Product, round_trip_estimate
from domain.events import SignalFiltered, SignalScored
from domain.live_features import FeatureValues
from domain.money import PAISA, round_to_tick
from domain.strategy.book import Direction, Strategy, StrategyBook
from domain.strategy.metalabel import barrier_probabilities, four_places, kelly, quality
from domain.values import Horizon, MetaLabel, Side

DERIVED_FEATURES = ("close_over_sma_20", "close_sma_20_in_atr")


def feature(values: FeatureValues, name: str) -> float | None:
    """A feature by the name the book uses, including the derived ones."""
    if name == "close_over_sma_20":
        if values.close is None or not values.sma_20:
            return None
        return values.close / values.sma_20 - 1
    if name == "close_sma_20_in_atr":
        if values.close is None or values.sma_20 is None or not values.atr_14:
            return None
        return (values.close - values.sma_20) / values.atr_14
    value = getattr(values, name, None)  # any-period features exist in backtests only
    return value if isinstance(value, float) else None


def triggered(strategy: Strategy, values: FeatureValues) -> str | None:
    """For a bar strategy: every clause with its value when all hold, else None."""
    shown = []
    for clause in strategy.when:
        value = feature(values, clause.feature)
        if not clause.holds(value):
            return None
        shown.append(f"{clause} ({value:.4g})")
    return "; ".join(shown)


def event_side(strategy: Strategy, values: FeatureValues) -> tuple[Side, str]:
    """The side an event playbook takes, and why."""
    if strategy.direction is Direction.LONG:
        return Side.BUY, "playbook direction long"
    if strategy.direction is Direction.SHORT:
        return Side.SELL, "playbook direction short (bearish catalyst)"
    reaction = values.return_5
    if reaction is not None and reaction > 0:
        return Side.BUY, f"follows the reaction: last 5 bars {reaction:+.2%}"
    shown = "unknown" if reaction is None else f"{reaction:+.2%}"
    return Side.SELL, f"follows the reaction: last 5 bars {shown} (not up)"


@dataclass(frozen=True)
class Facts:
    """What the caller knows about the signal's symbol and moment."""

    signal_id: str
    symbol: str
    sector: str
    values: FeatureValues
    reference: Decimal  # last close
    reference_at: datetime
    catalyst_at: datetime
    now: datetime
    adv_value: Decimal | None
    wins: int
    losses: int
    evidence: tuple[UUID, ...]
    trigger: str  # what fired: the headline, or the clauses that held
    strategy_version: str = ""  # the version of the strategy that scores it


def score(strategy: Strategy, book: StrategyBook, facts: Facts, side: Side,
          why_side: str) -> SignalScored | SignalFiltered:
    """Exits from ATR, the meta-label, and the verdict."""
    v = facts.values
    filtered = _not_ready(v)
    if filtered:
        return _filtered(strategy, facts, filtered)
    assert v.atr_14 is not None and v.realised_vol_20 is not None
    horizon_root = Decimal(repr(math.sqrt(strategy.horizon_bars)))
    atr = Decimal(repr(v.atr_14)) * horizon_root
    stop = round_to_tick(facts.reference - strategy.stop_atr * atr, "down")
    target = round_to_tick(facts.reference + strategy.target_atr * atr, "up")
    if stop <= 0:
        return _filtered(strategy, facts, f"stop {stop} is not a price (ATR too wide)")
    barriers = barrier_probabilities(
        float(facts.reference), float(stop), float(target), v.realised_vol_20,
        strategy.drift_sigma, strategy.horizon_bars,
    )
    policy = book.meta_label
    q = quality(strategy, policy, v.regime, facts.adv_value, facts.catalyst_at, facts.now,
                facts.wins, facts.losses)
    shares = max(1, int(policy.cost_notional / facts.reference))
    cost = round_trip_estimate(shares, facts.reference, target, Product.INTRADAY,
                               facts.now.date()) / shares
    edge = (Decimal(repr(barriers.expected_exit)) - facts.reference - cost).quantize(PAISA)
    risk = facts.reference - stop
    edge_r = (edge / risk).quantize(Decimal("0.001"))
    f_star = kelly(barriers, float(facts.reference), float(stop), float(target), float(cost))
    meta = MetaLabel(
        quality=four_places(q.score), regime=four_places(q.regime),
        liquidity=four_places(q.liquidity), timing=four_places(q.timing),
        hit_rate=four_places(q.hit_rate), p_target=four_places(barriers.p_target),
        p_stop=four_places(barriers.p_stop), p_time=four_places(barriers.p_time),
        edge_per_share=edge, edge_r=edge_r, kelly=four_places(f_star),
        explanation=(
            f"{q.explanation}. Barriers over {strategy.horizon_bars} bars at sigma "
            f"{v.realised_vol_20:.5f}/bar, drift {strategy.drift_sigma:g} sigma: target "
            f"{barriers.p_target:.1%}, stop {barriers.p_stop:.1%}, time "
            f"{barriers.p_time:.1%}; expected exit {barriers.expected_exit:.2f}, costs "
            f"{cost:.2f}/share -> edge {edge}/share = {edge_r}R; Kelly f* {f_star:.3f}"
        ),
    )
    if side is Side.BUY and q.score < policy.min_quality:
        return _filtered(strategy, facts, f"meta-label: quality {q.score:.2f} below "
                         f"{policy.min_quality:g} ({q.explanation})", meta)
    if side is Side.BUY and edge_r <= Decimal(repr(policy.min_edge_r)):
        return _filtered(strategy, facts, f"meta-label: edge {edge_r}R after costs is not "
                         f"above {policy.min_edge_r:g}R", meta)
    horizon = _signal_horizon(strategy)
    return SignalScored(
        signal_id=facts.signal_id, strategy=strategy.name, playbook_version=book.version,
        symbol=facts.symbol, sector=facts.sector, side=side, score=strategy.score,
        reference_price=facts.reference, stop=stop, target=target, horizon=horizon,
        expires_at=facts.now + timedelta(minutes=strategy.expiry_minutes),
        rationale=(
            f"{strategy.name} on {facts.symbol}: {facts.trigger}. {why_side}. Last close "
            f"{facts.reference} at {facts.reference_at.isoformat()}; ATR(14) "
            f"{v.atr_14:.2f} x sqrt({strategy.horizon_bars}) = {atr:.2f}; stop "
            f"-{strategy.stop_atr} ATR at {stop}, target +{strategy.target_atr} ATR at "
            f"{target}; RSI {_shown(v.rsi_14)}, regime {v.regime or 'unknown'}."
        ),
        evidence=facts.evidence, catalyst_at=facts.catalyst_at,
        horizon_bars=strategy.horizon_bars, meta=meta,
        strategy_version=facts.strategy_version,
    )


def _not_ready(v: FeatureValues) -> str:
    if v.atr_14 is None:
        return f"no ATR(14) yet: {v.bars} bars of the 15 it needs"
    if v.realised_vol_20 is None or v.realised_vol_20 <= 0:
        return f"no realised volatility yet: {v.bars} bars of the 21 it needs"
    return ""


def _filtered(strategy: Strategy, facts: Facts, reason: str,
              meta: MetaLabel | None = None) -> SignalFiltered:
    return SignalFiltered(signal_id=facts.signal_id, strategy=strategy.name,
                          symbol=facts.symbol, reason=reason, evidence=facts.evidence,
                          meta=meta, strategy_version=facts.strategy_version)


def _signal_horizon(strategy: Strategy) -> Horizon:
    """The shortest mandate horizon the playbook allows is the signal's own."""
    order = (Horizon.INTRADAY, Horizon.SWING, Horizon.POSITIONAL)
    return min(strategy.horizons, key=order.index)


def _shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"
