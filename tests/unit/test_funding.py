"""Funding plans: installment dates and identities, and the Account crediting each once."""

from __future__ import annotations

from datetime import date

import pytest

from domain.aggregates import Account, DomainError, Transfer
from domain.events import CashDeposited, TrancheReleased
from domain.funding import (
    FundingPlan,
    OnDate,
    OnDrawdown,
    Sip,
    Tranche,
    due_by_date,
    sip_dates,
)
from domain.ids import account_stream
from tests.unit.conftest import D, cause, mandate

PLAN = FundingPlan(
    plan_id="acc-1/plan-1", starts_on=date(2027, 1, 20),
    sip=Sip(amount=D("25000.00"), day_of_month=31, count=3),
    tranches=(Tranche(amount=D("100000.00"), release=OnDate(on=date(2027, 2, 1))),
              Tranche(amount=D("200000.00"),
                      release=OnDrawdown(index="NIFTY", drawdown_pct=D("10")))),
)


def planned() -> Account:
    account = Account(account_stream("acc-1"))
    account.open("Asha Rao", cause())
    account.set_mandate(mandate(), "onboarding", cause())
    account.set_funding_plan(PLAN, "intake", cause())
    account.collect_events()
    return account


def test_sip_dates_when_day_is_past_month_end_then_the_month_end_is_used() -> None:
    assert PLAN.sip is not None
    assert sip_dates(PLAN.sip, PLAN.starts_on) == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]


def test_due_by_date_when_woken_late_then_every_missed_dated_installment_is_due() -> None:
    due = due_by_date(PLAN, date(2027, 3, 1))

    assert [i.reference for i in due] == [
        "acc-1/plan-1/sip-1", "acc-1/plan-1/sip-2", "acc-1/plan-1/tranche-1"]


def test_credit_installment_when_credited_twice_then_one_deposit() -> None:
    account = planned()
    first, *_ = due_by_date(PLAN, date(2027, 2, 1))

    assert account.credit_installment(first, cause()) is True
    assert account.credit_installment(first, cause()) is False
    assert [e.payload for e in account.collect_events()] == [CashDeposited(
        account_id="acc-1", amount=D("25000.00"), reference="acc-1/plan-1/sip-1")]


def test_release_tranche_when_released_twice_then_one_release_and_one_deposit() -> None:
    account = planned()
    tranche = due_by_date(PLAN, date(2027, 2, 1))[-1]

    account.release_tranche(tranche, "date reached", cause())
    account.release_tranche(tranche, "date reached", cause())

    types = [type(e.payload) for e in account.collect_events()]
    assert types == [TrancheReleased, CashDeposited]
    assert account.ledger.funded == D("100000.00") and account.buffer == D("5000.00")


def test_set_funding_plan_when_the_id_was_used_for_another_plan_then_refused() -> None:
    account = planned()

    with pytest.raises(DomainError, match="already used"):
        account.set_funding_plan(PLAN.model_copy(update={"sip": None}), "edit", cause())
    account.set_funding_plan(PLAN, "same plan again", cause())
    assert not account.has_pending


def test_transfer_when_the_proposer_approves_then_refused_and_another_may_approve() -> None:
    transfer = Transfer("transfer-1")
    transfer.propose("acc-1", "acc-2", D("5000.00"), "rebalance", cause(actor="operator:amy"))

    with pytest.raises(DomainError, match="another admin must approve it"):
        transfer.approve(cause(actor="operator:amy"))
    proposal = transfer.approve(cause(actor="operator:ada"))

    assert (proposal.amount, transfer.status, transfer.decided_by) == (
        D("5000.00"), "APPROVED", "operator:ada")
    with pytest.raises(DomainError, match="already approved by operator:ada"):
        transfer.reject("changed my mind", cause(actor="operator:bob"))
