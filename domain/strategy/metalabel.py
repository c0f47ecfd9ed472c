"""Meta-label: how much to trust a signal, and what it is expected to earn.

The quality score is the weighted mean of four parts, each in [0, 1]:
- regime: 1 when the symbol's regime is one the strategy trades, 0 when it is not, 0.5
  while the regime is still unknown (warm-up);
- liquidity: average daily traded value / the value that scores 1 (capped at 1);
- timing: how fresh the catalyst is (1 at once, 0 at the playbook's maximum age), times
  how much of the session is left to work the trade (1 until 14:30 IST, then falling to
  0 at the 15:15 entry cut-off);
- hit rate: the mean of a Beta(prior wins + wins, prior losses + losses) over the
  strategy's last closed trades.

Triple-barrier probabilities come from a binomial walk of log prices, one step per bar,
step size the symbol's 1-minute realised volatility, with the playbook's drift; the walk
is absorbed at the target or the stop, and what survives `horizon_bars` steps exits at the
time barrier. The edge is the expected exit value minus entry and the estimated round-trip
costs, per share and in units of risk (entry - stop).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

import numpy as np

from domain.features import Regime
from domain.session import ENTRY_CUTOFF, ist
from domain.strategy.book import MetaLabelPolicy, Strategy

FOUR_PLACES = Decimal("0.0001")
LATE_SESSION = time(14, 30)
MAX_STEPS_PER_SIDE = 400
MIN_STEPS = 10  # grid levels between entry and the nearer barrier, at the least


@dataclass(frozen=True)
class Barriers:
    p_target: float
    p_stop: float
    p_time: float
    expected_exit: float  # expected exit price under the walk


@dataclass(frozen=True)
class Quality:
    score: float
    regime: float
    liquidity: float
    timing: float
    hit_rate: float
    explanation: str


def barrier_probabilities(
    entry: float, stop: float, target: float, sigma: float, drift_sigma: float, steps: int
) -> Barriers:
    """Probabilities of touching target first, stop first, or neither within `steps` bars.

    `sigma` is the per-bar standard deviation of log returns; the walk's drift over the
    whole horizon is `drift_sigma * sigma * sqrt(steps)`.
    """
    if not (stop < entry < target) or sigma <= 0 or steps <= 0:
        raise ValueError("need stop < entry < target, sigma > 0 and steps > 0")
    up, down = math.log(target / entry), math.log(entry / stop)
    # Grid step: sigma per bar, refined (substeps per bar, variance per bar kept at
    # sigma^2) until the nearer barrier is at least MIN_STEPS away; barriers sit on the
    # nearest grid level.
    substeps = max(1, math.ceil((MIN_STEPS * sigma / min(up, down)) ** 2))
    dx = sigma / math.sqrt(substeps)
    n_up = min(MAX_STEPS_PER_SIDE, max(1, round(up / dx)))
    n_down = min(MAX_STEPS_PER_SIDE, max(1, round(down / dx)))
    total_steps = steps * substeps
    # Without drift the walk is fair in price (a martingale), not merely in log price;
    # the playbook's drift tilts it: drift_sigma x sigma x sqrt(steps) over the horizon.
    fair = (1 - math.exp(-dx)) / (math.exp(dx) - math.exp(-dx))
    mu = drift_sigma * sigma * math.sqrt(steps) / total_steps  # log drift per substep
    p_up = min(1.0, max(0.0, fair + 0.5 * mu / dx))
    width = n_up + n_down + 1  # states -n_down..n_up, the two ends absorbing
    alive = np.zeros(width)
    alive[n_down] = 1.0
    hit_target = hit_stop = 0.0
    for _ in range(total_steps):
        moved = np.zeros(width)
        moved[1:] += p_up * alive[:-1]
        moved[:-1] += (1 - p_up) * alive[1:]
        hit_target += moved[-1]
        hit_stop += moved[0]
        moved[0] = moved[-1] = 0.0
        alive = moved
    survive = float(alive.sum())
    levels = entry * np.exp(dx * (np.arange(width) - n_down))
    at_time = float((alive * levels).sum())
    expected = hit_target * target + hit_stop * stop + at_time
    return Barriers(float(hit_target), float(hit_stop), survive, float(expected))


def kelly(barriers: Barriers, entry: float, stop: float, target: float,
          cost: float) -> float:
    """f* = mean / variance of the outcome in units of risk, after costs (see the book)."""
    risk = entry - stop
    b = (target - entry) / risk
    at_time = barriers.expected_exit - barriers.p_target * target - barriers.p_stop * stop
    m = (at_time / barriers.p_time - entry) / risk if barriers.p_time > 1e-12 else 0.0
    mean = barriers.p_target * b - barriers.p_stop + barriers.p_time * m - cost / risk
    second = barriers.p_target * b * b + barriers.p_stop + barriers.p_time * m * m
    variance = second - (mean + cost / risk) ** 2
    return mean / variance if variance > 1e-12 else 0.0


def quality(
    strategy: Strategy, policy: MetaLabelPolicy, regime: Regime | None,
    adv_value: Decimal | None, catalyst_at: datetime, now: datetime, wins: int, losses: int,
) -> Quality:
    """The signal's quality score and the four parts behind it."""
    if regime is None:
        regime_part, regime_word = 0.5, "regime unknown (warm-up) 0.50"
    elif regime in strategy.regimes:
        regime_part, regime_word = 1.0, f"regime {regime} traded 1.00"
    else:
        regime_part, regime_word = 0.0, f"regime {regime} not traded 0.00"
    if adv_value is None:
        liquidity_part = 0.0
        liquidity_word = "ADV unknown 0.00"
    else:
        liquidity_part = min(1.0, float(adv_value / policy.full_liquidity_adv))
        liquidity_word = f"ADV Rs {adv_value / 10**7:,.0f} cr {liquidity_part:.2f}"
    age = max(timedelta(0), now - catalyst_at)
    max_age = timedelta(minutes=strategy.max_catalyst_age_minutes)
    freshness = max(0.0, 1 - age / max_age)
    timing_part = freshness * _session_left(now)
    wins_all = policy.prior_wins + wins
    hit_part = wins_all / (wins_all + policy.prior_losses + losses)
    score = (
        policy.weight_regime * regime_part + policy.weight_liquidity * liquidity_part
        + policy.weight_timing * timing_part + policy.weight_hit_rate * hit_part
    )
    explanation = (
        f"quality {score:.2f} = {policy.weight_regime:g}x {regime_word} + "
        f"{policy.weight_liquidity:g}x {liquidity_word} + {policy.weight_timing:g}x timing "
        f"{timing_part:.2f} (catalyst {age.total_seconds() / 60:.1f} min old of "
        f"{strategy.max_catalyst_age_minutes}, session left {_session_left(now):.2f}) + "
        f"{policy.weight_hit_rate:g}x hit rate {hit_part:.2f} ({wins}W/{losses}L, prior "
        f"{policy.prior_wins}/{policy.prior_losses})"
    )
    return Quality(score, regime_part, liquidity_part, timing_part, hit_part, explanation)


def _session_left(now: datetime) -> float:
    """1 until 14:30 IST, falling linearly to 0 at the 15:15 entry cut-off."""
    local = ist(now)
    late = local.replace(hour=LATE_SESSION.hour, minute=LATE_SESSION.minute, second=0,
                         microsecond=0)
    cutoff = local.replace(hour=ENTRY_CUTOFF.hour, minute=ENTRY_CUTOFF.minute, second=0,
                           microsecond=0)
    if local <= late:
        return 1.0
    return max(0.0, (cutoff - local) / (cutoff - late))


def four_places(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(FOUR_PLACES)
