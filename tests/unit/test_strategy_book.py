"""The strategy book file and the meta-label's arithmetic."""

from __future__ import annotations

import pytest

from adapters.files.strategy_book import (
    BOOK_PATH,
    StrategyBookError,
    load_strategy_book,
    parse_strategy_book,
)
from domain.strategy.book import Direction, Kind
from domain.strategy.metalabel import barrier_probabilities, kelly

SHIPPED = BOOK_PATH.read_text(encoding="utf-8")


def test_load_when_shipped_book_then_every_playbook_the_issue_names_is_there() -> None:
    book = load_strategy_book()

    events = {s.category for s in book.strategies.values() if s.kind is Kind.EVENT}
    assert {"buyback", "results", "dividend", "sebi_order", "policy"} <= events
    assert {s.name for s in book.bar_strategies} == {"momentum", "mean_reversion"}
    assert book.strategies["sebi_order"].direction is Direction.SHORT
    assert book.version.startswith("strategies-")


@pytest.mark.parametrize(("edit", "field", "problem"), [
    ("    stop_atr: 0.6\n", "strategies.buyback.stop_atr", "greater than 0"),
    ("      - {feature: rsi_14, op: between, value: [58, 80]}\n",
     "strategies.momentum.when.1", "between"),
    ("  weights: {regime: 0.30, liquidity: 0.25, timing: 0.25, hit_rate: 0.20}\n",
     "meta_label.weights", "add up to 1"),
])
def test_parse_when_a_value_is_wrong_then_the_error_names_the_field(
    edit: str, field: str, problem: str,
) -> None:
    broken = {
        "    stop_atr: 0.6\n": "    stop_atr: -1\n",
        "      - {feature: rsi_14, op: between, value: [58, 80]}\n":
            "      - {feature: rsi_14, op: between, value: 58}\n",
        "  weights: {regime: 0.30, liquidity: 0.25, timing: 0.25, hit_rate: 0.20}\n":
            "  weights: {regime: 0.50, liquidity: 0.25, timing: 0.25, hit_rate: 0.20}\n",
    }[edit]
    assert edit in SHIPPED
    with pytest.raises(StrategyBookError) as raised:
        parse_strategy_book(SHIPPED.replace(edit, broken, 1), "book.yaml")
    assert field in str(raised.value) and problem in str(raised.value)


def test_parse_when_feature_unknown_then_refused_listing_the_known_ones() -> None:
    text = SHIPPED.replace("feature: return_20", "feature: return_200", 1)
    with pytest.raises(StrategyBookError, match=r"unknown feature 'return_200'.*rsi_14"):
        parse_strategy_book(text)


def test_parse_when_a_clause_names_the_regime_label_then_refused() -> None:
    text = SHIPPED.replace("feature: return_20", "feature: regime", 1)
    with pytest.raises(StrategyBookError, match="unknown feature 'regime'"):
        parse_strategy_book(text)


def test_barriers_when_walk_has_no_drift_and_symmetric_exits_then_even_odds() -> None:
    b = barrier_probabilities(100.0, 98.0, 100.0 * 100.0 / 98.0, 0.002, 0.0, 200)

    assert b.p_target + b.p_stop + b.p_time == pytest.approx(1.0, abs=1e-9)
    assert b.p_target == pytest.approx(b.p_stop, rel=0.05)
    assert b.expected_exit == pytest.approx(100.0, rel=1e-4)  # fair in price


def test_barriers_when_drift_is_positive_then_target_more_likely_and_expected_exit_higher(
) -> None:
    flat = barrier_probabilities(100.0, 98.0, 103.0, 0.002, 0.0, 120)
    up = barrier_probabilities(100.0, 98.0, 103.0, 0.002, 0.5, 120)

    assert up.p_target > flat.p_target and up.p_stop < flat.p_stop
    assert up.expected_exit > flat.expected_exit
    assert flat.expected_exit == pytest.approx(100.0, rel=2e-4)  # a fair walk earns nothing


def test_kelly_when_no_edge_after_costs_then_not_positive() -> None:
    fair = barrier_probabilities(100.0, 98.0, 103.0, 0.002, 0.0, 120)

    assert kelly(fair, 100.0, 98.0, 103.0, cost=0.05) <= 0
    assert kelly(barrier_probabilities(100.0, 98.0, 103.0, 0.002, 0.6, 120),
                 100.0, 98.0, 103.0, cost=0.05) > 0
