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


SMA_CROSS = (BOOK_PATH.parents[1] / "backtest" / "sma_cross.yaml").read_text(encoding="utf-8")


def test_parse_when_issue_sma_cross_file_then_accepted_with_crossings_and_sizing() -> None:
    from domain.strategy.book import Op, SizingRule

    strategy = parse_strategy_book(SMA_CROSS).strategies["sma_cross"]

    assert strategy.kind is Kind.BARS
    assert [(c.feature, c.op, c.against) for c in strategy.when] == [
        ("sma_10", Op.CROSSES_ABOVE, "sma_20")]
    assert strategy.exit_when[0].op is Op.CROSSES_BELOW
    assert (strategy.sizing.rule, strategy.sizing.amount) == (SizingRule.FIXED_QUANTITY, 10)


@pytest.mark.parametrize(("edit", "broken", "field", "problem"), [
    ('when: ["sma_10 crosses_above sma_20"]', 'when: ["sma_x crosses_above sma_20"]',
     "strategies.sma_cross.when.0", "unknown feature 'sma_x'"),
    ('when: ["sma_10 crosses_above sma_20"]', 'when: ["sma_10 > sma_20"]',
     "strategies.sma_cross.when.0", "only crossings"),
    ('when: ["sma_10 crosses_above sma_20"]', 'when: ["sma_10 crosses_above"]',
     "strategies.sma_cross.when.0", "write `feature op value`"),
    ("sizing: {fixed_quantity: 10}", "sizing: {fixed_quantity: 10, pct_equity: 5}",
     "strategies.sma_cross.sizing", "exactly one of"),
    ("sizing: {fixed_quantity: 10}", "sizing: {pct_equity: 150}",
     "strategies.sma_cross.sizing.pct_equity", "less than or equal to 100"),
    ('    exit_when: ["sma_10 crosses_below sma_20"]\n', "",
     "strategies.sma_cross", "missing score"),
])
def test_parse_when_a_rule_strategy_is_wrong_then_the_error_names_the_field(
    edit: str, broken: str, field: str, problem: str,
) -> None:
    with pytest.raises(StrategyBookError) as raised:
        parse_strategy_book(SMA_CROSS.replace(edit, broken, 1), "sma.yaml")
    assert field in str(raised.value) and problem in str(raised.value)


def test_parse_when_rule_strategy_names_any_period_then_mapping_form_reads_the_same() -> None:
    text = SMA_CROSS.replace('["sma_10 crosses_above sma_20"]',
                             "[{feature: ema_9, op: crosses_above, value: atr_7}, "
                             "{feature: rsi_2, op: crosses_below, value: 10}]")

    when = parse_strategy_book(text).strategies["sma_cross"].when

    assert [str(c) for c in when] == ["ema_9 crosses_above atr_7", "rsi_2 crosses_below 10"]
