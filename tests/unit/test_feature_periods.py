"""Any-period features and the crossing rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from domain.feature_periods import periodic_features
from domain.features import compute_features
from domain.strategy.book import Clause, Op
from domain.strategy.rules import clause_holds


def _walk(bars: int = 300) -> pl.DataFrame:
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, bars)))
    start = datetime(2025, 3, 3, 4, tzinfo=UTC)
    return pl.DataFrame(
        {
            "symbol": "ABC",
            "ts": [start + timedelta(minutes=i) for i in range(bars)],
            "open": close,
            "high": close * 1.002,
            "low": close * 0.998,
            "close": close,
            "volume": 100,
        }
    )


@pytest.mark.parametrize("name", ["sma_20", "ema_20", "atr_14", "rsi_14", "sma_50"])
def test_periodic_when_period_of_a_live_feature_then_same_values_as_live_features(
    name: str,
) -> None:
    bars = _walk()

    ours = periodic_features(bars, [name])[name]

    assert ours.to_list() == compute_features(bars)[name].to_list()


def test_periodic_when_period_given_then_warm_up_is_null_for_that_many_bars() -> None:
    sma = periodic_features(_walk(), ["sma_7"])["sma_7"]

    assert sma.null_count() == 6 and sma[6] == pytest.approx(_walk()["close"][:7].mean())


@pytest.mark.parametrize(
    ("before", "now", "crossed"),
    [
        ((1.0, 2.0), (3.0, 2.0), True),  # below, then above
        ((2.0, 2.0), (3.0, 2.0), False),  # touching is not being below
        ((1.0, 2.0), (2.0, 2.0), False),  # reaching is not crossing
        ((3.0, 2.0), (4.0, 2.0), False),  # already above
        ((None, 2.0), (3.0, 2.0), False),  # still warming up
    ],
)
def test_crossing_when_values_move_then_only_strict_crossings_fire(
    before: tuple[float | None, float],
    now: tuple[float, float],
    crossed: bool,
) -> None:
    clause = Clause("fast", Op.CROSSES_ABOVE, 0.0, against="slow")

    held = clause_holds(
        clause, {"fast": before[0], "slow": before[1]}, {"fast": now[0], "slow": now[1]}
    )

    assert held is crossed


def test_screen_when_level_and_crossing_clauses_then_bars_that_may_fire_are_kept() -> None:
    from domain.strategy.rules import all_hold, could_hold

    clauses = (Clause("fast", Op.CROSSES_BELOW, 0.0, against="slow"), Clause("rsi", Op.LT, 30))
    frame = pl.DataFrame(
        {
            "symbol": ["A"] * 5,
            "fast": [3.0, 1.0, 1.0, 4.0, 0.5],
            "slow": [2.0, 2.0, 2.0, 2.0, 2.0],
            "rsi": [20.0, 20.0, 50.0, 20.0, 40.0],
        }
    )

    kept = frame.select(could_hold(clauses).alias("k"))["k"].to_list()
    rows = frame.to_dicts()
    fired = [i > 0 and all_hold(clauses, rows[i - 1], rows[i]) for i in range(5)]

    assert fired == [False, True, False, False, False]
    assert kept == [False, True, False, True, True]  # every fired bar kept; all_hold decides
