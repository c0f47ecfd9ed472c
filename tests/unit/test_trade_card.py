"""TradeCard: a proposal a human approves or rejects before it expires."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.aggregates import CardNotPending, CardStatus, DomainError, TradeCard
from domain.events import CardApproved, CardExpired, CardRejected, OrderDenied
from domain.values import GuardrailResult
from tests.unit.conftest import T0, D, cause, proposal

EXPIRES = T0 + timedelta(minutes=30)
BEFORE_EXPIRY = EXPIRES - timedelta(seconds=1)
ALL_PASS = (
    GuardrailResult(name="kill_switch", passed=True, detail="account and desk trading"),
    GuardrailResult(name="cash", passed=True, detail="reserve 50250.00 vs deployable 450000.00"),
)


def proposed() -> TradeCard:
    card = TradeCard("card-1")
    card.propose(proposal(), cause())
    card.collect_events()
    return card


def test_approve_when_pending_and_guardrails_pass_then_approved_by_operator() -> None:
    card = proposed()

    card.approve("ops:meera", BEFORE_EXPIRY, ALL_PASS, cause(BEFORE_EXPIRY))

    assert [e.payload for e in card.collect_events()] == [
        CardApproved(card_id="card-1", account_id="acc-1", approved_by="ops:meera",
                     guardrails=ALL_PASS)
    ]
    assert (card.status, card.decided_by) == (CardStatus.APPROVED, "ops:meera")


@pytest.mark.parametrize("late", [timedelta(0), timedelta(minutes=5)])
def test_approve_when_at_or_after_expiry_then_card_not_pending(late: timedelta) -> None:
    card = proposed()

    with pytest.raises(CardNotPending, match="expired"):
        card.approve("ops:meera", EXPIRES + late, ALL_PASS, cause())
    assert card.status is CardStatus.PROPOSED
    assert not card.has_pending


def test_approve_when_already_approved_then_card_not_pending() -> None:
    card = proposed()
    card.approve("ops:meera", BEFORE_EXPIRY, ALL_PASS, cause())

    with pytest.raises(CardNotPending, match="APPROVED"):
        card.approve("ops:ravi", BEFORE_EXPIRY, ALL_PASS, cause())
    assert card.decided_by == "ops:meera"


def test_approve_when_a_guardrail_fails_then_rejected_naming_it_with_its_numbers() -> None:
    card = proposed()
    failing = (
        ALL_PASS[0],
        GuardrailResult(name="cash", passed=False,
                        detail="reserve 50250.00 vs deployable 50000.00"),
    )

    card.approve("ops:meera", BEFORE_EXPIRY, failing, cause())

    [event] = card.collect_events()
    assert isinstance(event.payload, CardRejected)
    assert event.payload.rejected_by == "ops:meera"
    assert event.payload.reason == (
        "guardrail failed at approval: cash: reserve 50250.00 vs deployable 50000.00"
    )
    assert card.status is CardStatus.REJECTED


def test_approve_when_card_unknown_then_domain_error() -> None:
    with pytest.raises(DomainError, match="unknown card"):
        TradeCard("card-9").approve("ops:meera", T0, ALL_PASS, cause())


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_when_reason_is_blank_then_domain_error(reason: str) -> None:
    card = proposed()

    with pytest.raises(DomainError, match="needs a reason"):
        card.reject("ops:meera", reason, T0, cause())
    assert card.status is CardStatus.PROPOSED


def test_reject_when_pending_with_reason_then_rejected_with_that_reason() -> None:
    card = proposed()

    card.reject("ops:meera", "results due tomorrow", T0, cause())

    assert [e.payload for e in card.collect_events()] == [
        CardRejected(card_id="card-1", account_id="acc-1", rejected_by="ops:meera",
                     reason="results due tomorrow")
    ]
    assert card.status is CardStatus.REJECTED


def test_expire_if_due_when_before_expiry_then_stays_pending() -> None:
    card = proposed()

    assert card.expire_if_due(BEFORE_EXPIRY, cause()) is False
    assert card.status is CardStatus.PROPOSED
    assert not card.has_pending


def test_expire_if_due_when_expiry_reached_then_expired_once() -> None:
    card = proposed()

    first = card.expire_if_due(EXPIRES, cause(EXPIRES))
    second = card.expire_if_due(EXPIRES + timedelta(minutes=1), cause())

    assert (first, second) == (True, False)
    assert [e.payload for e in card.collect_events()] == [
        CardExpired(card_id="card-1", account_id="acc-1")
    ]
    assert card.status is CardStatus.EXPIRED


def test_expire_if_due_when_already_approved_then_not_expired() -> None:
    card = proposed()
    card.approve("ops:meera", BEFORE_EXPIRY, ALL_PASS, cause())

    assert card.expire_if_due(EXPIRES, cause()) is False
    assert card.status is CardStatus.APPROVED


def test_propose_when_card_id_differs_from_stream_then_domain_error() -> None:
    with pytest.raises(DomainError, match="does not match"):
        TradeCard("card-2").propose(proposal(card_id="card-1"), cause())


def test_propose_when_already_proposed_then_recorded_once() -> None:
    card = proposed()

    card.propose(proposal(quantity=999), cause())

    assert not card.has_pending
    assert card.proposal is not None and card.proposal.quantity == 100


def test_deny_when_approved_then_denied_with_required_cash() -> None:
    card = proposed()
    card.approve("ops:meera", BEFORE_EXPIRY, ALL_PASS, cause())
    card.collect_events()

    card.deny("insufficient cash", cause(), required_cash=D("50250.00"))
    card.deny("insufficient cash", cause(), required_cash=D("50250.00"))

    assert [e.payload for e in card.collect_events()] == [
        OrderDenied(card_id="card-1", account_id="acc-1", reason="insufficient cash",
                    required_cash=D("50250.00"))
    ]
    assert card.status is CardStatus.DENIED


def test_deny_when_still_pending_then_nothing_recorded() -> None:
    card = proposed()

    card.deny("kill switch", cause())

    assert card.status is CardStatus.PROPOSED
    assert not card.has_pending


def test_replay_when_given_collected_events_then_same_status_and_decider() -> None:
    card = TradeCard("card-1")
    card.propose(proposal(), cause())
    card.reject("ops:meera", "too close to results", T0, cause())
    events = card.collect_events()

    rebuilt = TradeCard.replay("card-1", events)

    assert (rebuilt.status, rebuilt.decided_by, rebuilt.version) == (
        CardStatus.REJECTED, "ops:meera", 2
    )
    assert rebuilt.proposal == proposal()
