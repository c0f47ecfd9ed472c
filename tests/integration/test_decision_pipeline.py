"""The sample day through the decision pipeline on the embedded runtime (SQLite): what a
trader reads in the log — which strategies proposed, how each account was sized, what the
meta-label filtered and what a guardrail blocked, each with its reason."""

from __future__ import annotations

from collections import defaultdict
from typing import TypeVar

import pytest

from adapters.files.sample import SAMPLE_DIR
from domain.events import CardBlocked, CardProposed, Envelope, SignalFiltered, SignalScored
from streams.bootstrap import wall_clock
from streams.demo import run_demo

T = TypeVar("T")


@pytest.fixture(scope="module")
def day_log(tmp_path_factory: pytest.TempPathFactory) -> list[Envelope]:
    db = tmp_path_factory.mktemp("pipeline") / "desk.db"
    desk = run_demo(f"sqlite:///{db}", SAMPLE_DIR, "demo", wall_clock)
    events = [record.event for record in desk.store.read_all()]
    desk.store.close()
    return events


def payloads(events: list[Envelope], kind: type[T]) -> list[T]:
    return [e.payload for e in events if isinstance(e.payload, kind)]


def test_sample_day_when_run_then_cards_come_from_at_least_three_strategies(
    day_log: list[Envelope],
) -> None:
    cards = payloads(day_log, CardProposed)
    strategies = {c.strategy for c in cards}
    assert len(strategies) >= 3, strategies
    assert {"buyback", "momentum"} <= strategies
    accounts = {c.account_id for c in cards}
    assert accounts == {"sip-aggressive", "event-tactical", "income-conservative"}


def test_sample_day_when_one_signal_reaches_several_accounts_then_sizes_differ(
    day_log: list[Envelope],
) -> None:
    by_signal: dict[str, dict[str, int]] = defaultdict(dict)
    for card in payloads(day_log, CardProposed):
        by_signal[card.signal_id][card.account_id] = card.quantity
    shared = {s: q for s, q in by_signal.items() if len(q) >= 2}
    assert shared, "no signal reached two accounts"
    assert any(len(set(q.values())) > 1 for q in shared.values())


def test_sample_day_when_meta_label_filters_then_the_reason_and_numbers_are_recorded(
    day_log: list[Envelope],
) -> None:
    filtered = [f for f in payloads(day_log, SignalFiltered) if f.reason.startswith("meta-label")]
    assert filtered
    for signal in filtered:
        assert signal.meta is not None and signal.evidence
        assert "quality" in signal.meta.explanation and "edge" in signal.meta.explanation


def test_sample_day_when_a_guardrail_blocks_then_the_failed_check_names_its_numbers(
    day_log: list[Envelope],
) -> None:
    blocked = [b for b in payloads(day_log, CardBlocked) if b.reason.startswith("guardrail")]
    windows = [b for b in blocked if "event_window" in b.reason]
    assert windows and all(b.symbol == "BHARTIARTL" for b in windows)
    failed = [g for g in windows[0].guardrails if not g.passed]
    assert [g.name for g in failed] == ["event_window"]
    assert "results blackout" in failed[0].detail


def test_sample_day_when_cards_are_proposed_then_each_explains_itself(
    day_log: list[Envelope],
) -> None:
    scored = {s.signal_id: s for s in payloads(day_log, SignalScored)}
    for card in payloads(day_log, CardProposed):
        signal = scored[card.signal_id]
        assert card.meta == signal.meta and card.meta is not None
        assert card.stop < card.reference_price < card.target
        assert card.expected_cost > 0 and card.evidence == signal.evidence
        assert all(g.passed for g in card.guardrails) and len(card.guardrails) == 10
        assert "Kelly-lite" in card.sizing and "quantity =" in card.sizing
        assert card.mandate_version >= 1 and card.catalyst_at is not None
