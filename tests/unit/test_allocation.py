"""The card decision: a scored signal and an account become a sized card or the reason why
not, with no store and no clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from adapters.files.strategy_book import load_strategy_book
from domain.allocation import ProposalFacts, propose_card, rank_key
from domain.events import CardBlocked, CardProposed
from domain.instruments import Instrument
from domain.strategy.book import RankBy
from domain.values import Side
from tests.unit.conftest import T0, D, mandate, meta_label, signal

BOOK = load_strategy_book()
TCS = Instrument("TCS", "INE467B01029", "Tata Consultancy Services", "IT", 1, D("0.05"))


def facts(**overrides: Any) -> ProposalFacts:
    """Asha's balanced swing account, 10,00,000 equity with 5,00,000 available, at T0."""
    fields: dict[str, Any] = {
        "card_id": "card-acc-1-1", "account_id": "acc-1", "account_name": "Asha Rao",
        "mandate": mandate(), "mandate_version": 2, "signal": signal(), "book": BOOK,
        "instrument": TCS, "equity": D("1000000"), "available": D("500000"),
        "halted": False, "realised_vol": None, "context": None, "now": T0,
    }
    fields.update(overrides)
    return ProposalFacts(**fields)


def test_propose_card_when_every_check_passes_then_sized_to_the_position_cap() -> None:
    decision = propose_card(facts())

    assert isinstance(decision, CardProposed)
    # Risk allows 10,000 / 10 = 1,000 shares and cash 995; the 20% cap, 2,00,000 / 500 = 400.
    assert decision.quantity == 400
    assert (decision.card_id, decision.account_id, decision.mandate_version) == (
        "card-acc-1-1", "acc-1", 2)
    assert decision.evidence == signal().evidence
    assert decision.expires_at == T0 + timedelta(minutes=BOOK.allocation.card_ttl_minutes)
    assert "Sized for Asha Rao (BALANCED, SWING" in decision.thesis
    assert BOOK.version in decision.thesis
    assert all(g.passed for g in decision.guardrails)


def test_propose_card_when_the_signal_expires_first_then_the_card_expires_with_it() -> None:
    soon = T0 + timedelta(minutes=5)

    decision = propose_card(facts(signal=signal(expires_at=soon)))

    assert isinstance(decision, CardProposed)
    assert decision.expires_at == soon


@pytest.mark.parametrize(("change", "reason"), [
    ({"signal": signal(strategy="sebi_order")},
     "mandate: horizon SWING is not one sebi_order trades (INTRADAY)"),
    ({"signal": signal(side=Side.SELL)},
     "long-only desk: buyback is bearish on TCS, and cash equity is not sold short"),
    ({"signal": signal(meta=meta_label(quality=D("0.5")))},
     "objective BALANCED takes quality 0.6 or more; this signal is 0.5"),
    ({"mandate": mandate(sectors_banned=("IT",))}, "mandate: sector IT not allowed"),
])
def test_propose_card_when_the_mandate_refuses_then_blocked_with_the_reason(
    change: dict[str, Any], reason: str
) -> None:
    decision = propose_card(facts(**change))

    assert isinstance(decision, CardBlocked)
    assert decision.reason == reason
    assert decision.guardrails == ()


def test_propose_card_when_the_kill_switch_is_tripped_then_blocked_by_that_guardrail() -> None:
    decision = propose_card(facts(halted=True))

    assert isinstance(decision, CardBlocked)
    assert decision.reason == "guardrail: kill_switch: kill switch tripped"
    failed = [g.name for g in decision.guardrails if not g.passed]
    assert failed == ["kill_switch"]


def test_propose_card_when_no_equity_then_blocked_by_sizing() -> None:
    decision = propose_card(facts(equity=D("0")))

    assert isinstance(decision, CardBlocked)
    assert decision.reason == "sizing: account has no equity"


def test_propose_card_when_volatility_is_known_then_the_volatility_target_caps_size() -> None:
    decision = propose_card(facts(realised_vol=0.02))

    assert isinstance(decision, CardProposed)
    # 2% a bar is 0.02 x sqrt(375) = 38.7% a day; 1% of equity / (500 x 0.387) = 51 shares.
    assert decision.quantity == 51


def test_rank_key_when_ranked_by_balance_then_edge_times_quality_first() -> None:
    steady = signal(signal_id="sig-a", meta=meta_label(edge_r=D("1.0"), quality=D("0.9")))
    bold = signal(signal_id="sig-b", meta=meta_label(edge_r=D("2.0"), quality=D("0.6")))

    ranked = sorted([steady, bold], key=lambda s: rank_key(RankBy.BALANCE, s))

    assert [s.signal_id for s in ranked] == ["sig-b", "sig-a"]
