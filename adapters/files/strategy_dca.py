"""The DCA strategy kind as the strategy file states it (`kind: dca`): the fields it needs,
the ones it must not have, and the defaults that stand in for the signal fields a DCA buy
has no use for (it has no stop, no target and no meta-label).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.features import Regime
from domain.strategy.book import DcaPlan, Direction, Kind
from domain.values import Horizon

# A DCA buy is a long-term accumulation: held, never squared off the same day.
DCA_HORIZONS = (Horizon.SWING, Horizon.POSITIONAL)

DCA_DEFAULTS: dict[str, Any] = {
    "score": Decimal("0.5"),
    "horizons": DCA_HORIZONS,
    "horizon_bars": 1,
    "stop_atr": Decimal(1),
    "target_atr": Decimal(1),
    "expiry_minutes": 24 * 60,
    "regimes": tuple(Regime),
    "drift_sigma": 0.0,
    "max_catalyst_age_minutes": 24 * 60,
}


def check_dca(
    direction: Direction,
    symbol: str | None,
    amount: Decimal | None,
    schedule: str | None,
    horizons: tuple[Horizon, ...] | None,
    has_rules: bool,
) -> None:
    """A ValueError saying what a `kind: dca` entry lacks or must not have."""
    missing = [
        name
        for name, value in (("symbol", symbol), ("amount", amount), ("schedule", schedule))
        if value is None
    ]
    if missing:
        raise ValueError(
            f"a DCA strategy needs {', '.join(missing)} (buy `amount` rupees "
            "of `symbol` each time the cron `schedule` falls due)"
        )
    if direction is not Direction.LONG:
        raise ValueError("a DCA strategy buys: direction is long")
    if has_rules:
        raise ValueError("a DCA strategy buys on its schedule: no when, exit_when or sizing")
    if horizons is not None and Horizon.INTRADAY in horizons:
        raise ValueError(
            "a DCA buy is held, not squared off: horizons may be SWING and POSITIONAL only"
        )


def dca_plan(kind: Kind, symbol: str | None, amount: Decimal | None) -> DcaPlan | None:
    """What each due time buys, for a DCA strategy (None for any other kind)."""
    if kind is not Kind.DCA:
        return None
    assert symbol is not None and amount is not None  # checked by `check_dca`
    return DcaPlan(symbol, amount)
