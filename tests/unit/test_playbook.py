"""The buyback playbook: a long on the announcing symbol with tick-aligned stop and target."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.events import AnnouncementArrived
from domain.money import tick_size
from domain.playbook import is_buyback, score_buyback
from domain.values import Horizon, Side
from tests.unit.conftest import T0, D

EVIDENCE = (
    UUID("01943a5e-8c00-7000-8000-000000000001"),
    UUID("01943a5e-8c00-7000-8000-000000000002"),
)
NOW = T0 + timedelta(minutes=2)


def announcement(category: str = "Buyback") -> AnnouncementArrived:
    return AnnouncementArrived(
        source_id="nse-123", source="nse", published_at=T0,
        headline="Board approves buyback of equity shares", symbol="TCS", category=category,
    )


def test_score_buyback_when_reference_is_1523_45_then_stop_and_target_on_ticks() -> None:
    # Stop 1523.45 x 0.985 = 1500.59825, tick 0.10, down -> 1500.50.
    # Target 1523.45 x 1.03 = 1569.1535, tick 0.10, up -> 1569.20.
    signal = score_buyback(announcement(), EVIDENCE, D("1523.45"), T0, "IT", NOW)

    assert signal.stop == D("1500.50")
    assert signal.target == D("1569.20")
    assert signal.reference_price == D("1523.45")


def test_score_buyback_when_scored_then_long_swing_signal_carrying_its_evidence() -> None:
    signal = score_buyback(announcement(), EVIDENCE, D("1523.45"), T0, "IT", NOW)

    assert signal.signal_id == "sig-buyback-nse-123"
    assert (signal.symbol, signal.sector, signal.side) == ("TCS", "IT", Side.BUY)
    assert signal.horizon is Horizon.SWING
    assert signal.score == D("0.70")
    assert signal.playbook_version == "buyback-v1"
    assert signal.evidence == EVIDENCE
    assert signal.expires_at == NOW + timedelta(minutes=30)
    assert "stop -1.5% at 1500.50" in signal.rationale
    assert "target +3.0% at 1569.20" in signal.rationale


@given(reference=st.decimals(D("1"), D("100000"), places=2))
def test_score_buyback_when_any_reference_then_stop_below_and_target_above_on_ticks(
    reference: Decimal,
) -> None:
    signal = score_buyback(announcement(), EVIDENCE, reference, T0, "IT", NOW)

    assert signal.stop < reference < signal.target
    assert signal.stop % tick_size(signal.stop) == 0
    assert signal.target % tick_size(signal.target) == 0
    # Never tighter than the playbook's percentages, and at most a tick wider.
    assert reference * D("0.985") - tick_size(signal.stop) < signal.stop
    assert signal.stop <= reference * D("0.985")
    assert reference * D("1.03") <= signal.target < reference * D("1.03") + tick_size(
        reference * D("1.03")
    )


@pytest.mark.parametrize("category", ["Buyback", "buyback", "BUYBACK", "  Buyback "])
def test_is_buyback_when_category_differs_only_in_case_or_spaces_then_true(
    category: str,
) -> None:
    assert is_buyback(announcement(category))


@pytest.mark.parametrize("category", ["Dividend", "Buyback Offer Closure", "Bonus"])
def test_is_buyback_when_category_is_something_else_then_false(category: str) -> None:
    assert not is_buyback(announcement(category))
