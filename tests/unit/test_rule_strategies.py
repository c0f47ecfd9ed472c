"""Rule strategies in the live desk, piece by piece: clause values folded bar by bar (any
period, the bar before), the rule decision and its words, the strategy's own sizing and
the card it gets under the guardrails."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest

from adapters.files.strategy_book import BOOK_PATH, load_strategy_book, parse_strategy_book
from domain.allocation import propose_card
from domain.clause_values import ClauseValues
from domain.events import CardBlocked, CardProposed
from domain.feature_periods import periodic_features
from domain.live_features import SymbolFeatures
from domain.rule_sizing import size_by_rule
from domain.sizing import Sizing, SizingRefused
from domain.strategy.book import Sizing as StrategySizing
from domain.strategy.book import SizingRule, StrategyBook
from domain.strategy.by_rule import decides_by_rule, protective_levels, rule_features, trigger
from tests.unit.conftest import D, meta_label, signal
from tests.unit.test_allocation import BOOK, facts

# The file as written, shipped for `desk backtest`.
RULES = parse_strategy_book(
    (BOOK_PATH.parents[1] / "backtest" / "sma_cross.yaml").read_text(encoding="utf-8"))
SMA_CROSS = RULES.strategies["sma_cross"]
NAMES = ("sma_3", "ema_4", "rsi_5", "atr_4", "close", "rsi_14")


def _bars(n: int = 40) -> pl.DataFrame:
    closes = [100 + 5 * math.sin(i / 3) + 0.7 * math.cos(2.3 * i) for i in range(n)]
    start = datetime(2026, 11, 20, 3, 45, tzinfo=UTC)
    return pl.DataFrame(
        {
            "symbol": ["INFY"] * n,
            "ts": [start + timedelta(minutes=i) for i in range(n)],
            "open": [c - 0.2 for c in closes],
            "high": [c + 1.1 for c in closes],
            "low": [c - 1.3 for c in closes],
            "close": closes,
            "volume": [1000.0] * n,
        }
    )


def _folded(
    bars: pl.DataFrame,
) -> list[tuple[dict[str, float | None] | None, dict[str, float | None]]]:
    """(before, now) after each bar, as the research view folds them."""
    features, clauses = SymbolFeatures(), ClauseValues()
    seen = []
    for row in bars.iter_rows(named=True):
        features.update(
            row["ts"], row["open"], row["high"], row["low"], row["close"], row["volume"]
        )
        clauses.update(NAMES, features.latest(), row["open"], row["high"], row["low"], row["close"])
        seen.append((clauses.before, clauses.now))
    return seen


def test_clause_values_when_folded_bar_by_bar_then_match_the_backtests_bulk_features() -> None:
    bars = _bars()
    bulk = periodic_features(bars, ["sma_3", "ema_4", "rsi_5", "atr_4"])

    folded = _folded(bars)

    for name in ("sma_3", "ema_4", "rsi_5", "atr_4"):
        live = [now[name] for _, now in folded]
        for got, want in zip(live, bulk[name].to_list(), strict=True):
            assert (got is None) == (want is None), name
            if got is not None:
                assert got == pytest.approx(want, rel=1e-12), name


def test_clause_values_when_a_bar_folds_then_before_holds_the_previous_bars_values() -> None:
    folded = _folded(_bars(5))

    assert folded[0][0] is None
    assert folded[4][0] == folded[3][1]
    assert folded[4][1]["close"] == _bars(5)["close"][4]


def test_decides_by_rule_when_shipped_strategies_then_none_takes_the_rule_path() -> None:
    shipped = load_strategy_book().strategies.values()

    assert not any(decides_by_rule(s) for s in shipped)
    assert rule_features(shipped) == ()
    assert decides_by_rule(SMA_CROSS)
    assert rule_features([SMA_CROSS]) == ("sma_10", "sma_20")


def test_trigger_when_sma_10_crosses_above_then_words_name_both_bars_values() -> None:
    before = {"sma_10": 99.0, "sma_20": 100.0}
    now = {"sma_10": 101.0, "sma_20": 100.5}

    words = trigger(SMA_CROSS.when, before, now)

    assert words == (
        "sma_10 crosses_above sma_20 (now sma_10 101, sma_20 100.5; "
        "bar before sma_10 99, sma_20 100)"
    )
    assert trigger(SMA_CROSS.when, now, now) is None
    assert trigger(SMA_CROSS.exit_when, before, now) is None


def test_protective_levels_when_no_atr_bracket_then_far_stop_and_target() -> None:
    assert not SMA_CROSS.atr_bracket

    assert protective_levels(SMA_CROSS, D("1500")) == (D("750"), D("15000"))


@pytest.mark.parametrize(
    ("rule", "amount", "lot", "quantity"),
    [
        (SizingRule.FIXED_QUANTITY, D("10"), 1, 10),
        (SizingRule.PCT_EQUITY, D("25"), 1, 166),  # 25% of 1,00,000 / 150 = 166.67
        (SizingRule.PCT_EQUITY, D("25"), 50, 150),
    ],
)
def test_size_by_rule_when_the_strategy_sizes_then_its_quantity_in_whole_lots(
    rule: SizingRule, amount: Decimal, lot: int, quantity: int
) -> None:
    sized = size_by_rule(StrategySizing(rule, amount), D("100000"), D("150"), lot)

    assert isinstance(sized, Sizing)
    assert sized.quantity == quantity
    assert "strategy sizing" in sized.explanation


def test_size_by_rule_when_the_share_costs_more_than_the_percent_then_refused() -> None:
    sized = size_by_rule(StrategySizing(SizingRule.PCT_EQUITY, D("1")), D("1000"), D("150"))

    assert isinstance(sized, SizingRefused)
    assert "zero shares" in sized.reason


def _rule_book(sizing: StrategySizing) -> StrategyBook:
    return replace(
        BOOK, strategies={**BOOK.strategies, "sma_cross": replace(SMA_CROSS, sizing=sizing)}
    )


def test_propose_card_when_fixed_quantity_then_that_many_shares_despite_low_quality() -> None:
    low = signal(strategy="sma_cross", meta=meta_label(quality=D("0.1")))

    decision = propose_card(facts(signal=low, book=_rule_book(SMA_CROSS.sizing)))

    assert isinstance(decision, CardProposed)
    assert decision.quantity == 10
    assert decision.sizing.startswith("strategy sizing: fixed quantity 10 shares")


def test_propose_card_when_fixed_quantity_breaks_the_position_cap_then_guardrail_blocks() -> None:
    big = StrategySizing(SizingRule.FIXED_QUANTITY, D("900"))  # 4,50,000 > the 20% cap

    decision = propose_card(facts(signal=signal(strategy="sma_cross"), book=_rule_book(big)))

    assert isinstance(decision, CardBlocked)
    assert decision.reason.startswith("guardrail: position_size")
