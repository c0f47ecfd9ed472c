"""The approval queue: every card's status and who (or what) decided it."""

from __future__ import annotations

from datetime import timedelta

from domain.aggregates import TradeCard
from domain.events import CardBlocked
from domain.values import GuardrailResult
from projections.approval_queue import pending
from tests.unit.conftest import T0, D, Log, cause, fold, proposal

LATER = T0 + timedelta(minutes=31)
FAILED_CASH = (GuardrailResult(name="cash", passed=False, detail="reserve 50250.00 vs 100.00"),)


def card(n: int, minutes_to_expiry: int = 30) -> TradeCard:
    card_id = f"card-{n}"
    trade_card = TradeCard(card_id)
    expiry = T0 + timedelta(minutes=minutes_to_expiry)
    trade_card.propose(proposal(card_id=card_id, expires_at=expiry), cause())
    return trade_card


def queue_log() -> Log:
    log = Log()
    approved = card(1)
    approved.approve("ops:meera", T0, (), cause())
    rejected = card(2)
    rejected.reject("ops:ravi", "results due tomorrow", T0, cause())
    expired = card(3)
    expired.expire_if_due(LATER, cause(LATER))
    blocked = TradeCard("card-4")
    blocked.block(CardBlocked(card_id="card-4", account_id="acc-2", signal_id="sig-1",
                              symbol="TCS", reason="sector IT banned by mandate"), cause())
    waiting_late, waiting_soon = card(5, minutes_to_expiry=60), card(6, minutes_to_expiry=10)
    denied = card(7)
    denied.approve("ops:meera", T0, (), cause())
    denied.deny("insufficient cash", cause(), required_cash=D("50250.00"))
    failed_recheck = card(8)
    failed_recheck.approve("ops:meera", T0, FAILED_CASH, cause())
    log.take(approved, rejected, expired, blocked, waiting_late, waiting_soon, denied,
             failed_recheck)
    return log


def test_apply_when_cards_decided_then_queue_shows_each_status() -> None:
    view = fold(queue_log().events)

    assert {c.card_id: c.status for c in view.cards.values()} == {
        "card-1": "APPROVED", "card-2": "REJECTED", "card-3": "EXPIRED", "card-4": "BLOCKED",
        "card-5": "PROPOSED", "card-6": "PROPOSED", "card-7": "DENIED", "card-8": "REJECTED",
    }


def test_apply_when_cards_decided_then_queue_shows_who_decided_and_why() -> None:
    cards = fold(queue_log().events).cards

    assert (cards["card-1"].decided_by, cards["card-1"].reason) == ("ops:meera", "")
    assert (cards["card-2"].decided_by, cards["card-2"].reason) == (
        "ops:ravi", "results due tomorrow"
    )
    assert cards["card-3"].reason == "expired without a decision"
    assert (cards["card-4"].decided_by, cards["card-4"].reason) == (
        "guardrails", "sector IT banned by mandate"
    )
    assert cards["card-7"].reason == "insufficient cash"
    assert cards["card-8"].reason == (
        "guardrail failed at approval: cash: reserve 50250.00 vs 100.00"
    )


def test_pending_when_queue_folded_then_only_proposed_cards_soonest_expiry_first() -> None:
    view = fold(queue_log().events)

    assert [c.card_id for c in pending(view.cards)] == ["card-6", "card-5"]


def test_apply_when_card_proposed_then_row_carries_the_trade() -> None:
    row = fold(queue_log().events).cards["card-5"]

    assert (row.account_id, row.symbol, row.side, row.quantity) == ("acc-1", "TCS", "BUY", 100)
    assert (row.reference_price, row.stop, row.target) == (D("500"), D("490"), D("530"))
    assert row.expires_at == T0 + timedelta(minutes=60)
