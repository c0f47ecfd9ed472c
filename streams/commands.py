"""Operator commands (approve, reject, kill switches), shared by the CLI, API and demo.

Each command loads through a unit of work, re-checks what must be re-checked, and runs the
aggregate's command; the caller commits. Business refusals raise `DomainError`s that the
boundary maps to a clear message (the API: 409).
"""

from __future__ import annotations

from datetime import date, datetime

from domain import guardrails, intake
from domain.aggregates import (
    Account,
    Cause,
    DomainError,
    RiskGuard,
    TradeCard,
    account_stream,
    risk_stream,
)
from domain.money import ZERO
from domain.sizing import reserve_for
from domain.values import GuardrailResult
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork


def recheck(
    card: TradeCard, view: DeskView, now: datetime
) -> tuple[GuardrailResult, ...]:
    """The card's guardrails against the desk as it is now."""
    proposal = card.proposal
    if proposal is None:
        raise DomainError(f"unknown card {card.id}")
    account = view.accounts.get(proposal.account_id)
    if account is None or account.mandate is None:
        raise DomainError(f"account {proposal.account_id} has no mandate")
    cash = view.cash.get(proposal.account_id)
    reserve = reserve_for(proposal.reference_price, proposal.quantity)
    return guardrails.check(guardrails.CardFacts(
        proposal.quantity, proposal.reference_price, reserve, view.equity(proposal.account_id),
        cash.available if cash else ZERO, account.mandate,
        view.halted(proposal.account_id), now,
    ))


def approve_card(
    uow: UnitOfWork, view: DeskView, card_id: str, operator: str, now: datetime, cause: Cause
) -> TradeCard:
    """Approve a waiting card; a failing re-check rejects it with the reason instead."""
    card = uow.get(TradeCard, card_id)
    if not card.exists:
        raise DomainError(f"unknown card {card_id}")
    card.approve(operator, now, recheck(card, view, now), cause)
    return card


def reject_card(
    uow: UnitOfWork, card_id: str, operator: str, reason: str, now: datetime, cause: Cause
) -> TradeCard:
    card = uow.get(TradeCard, card_id)
    if not card.exists:
        raise DomainError(f"unknown card {card_id}")
    card.reject(operator, reason, now, cause)
    return card


def trip_kill_switch(uow: UnitOfWork, scope: str, reason: str, cause: Cause) -> RiskGuard:
    """Halt new entries for an account (or 'desk') by hand."""
    guard = uow.get(RiskGuard, risk_stream(scope))
    guard.trip(reason, "operator", ZERO, ZERO, cause)
    return guard


def reset_kill_switch(uow: UnitOfWork, scope: str, reason: str, cause: Cause) -> RiskGuard:
    guard = uow.get(RiskGuard, risk_stream(scope))
    guard.reset(reason, cause)
    return guard


def open_account(uow: UnitOfWork, opening: intake.Opening, starts_on: date, cause: Cause
                 ) -> Account:
    """A confirmed intake: AccountOpened, MandateSet v1, the opening deposit and (when the
    intake stated one) the funding plan, its installments due from `starts_on`."""
    account = uow.get(Account, account_stream(opening.account_id))
    account.open(opening.name, cause)
    account.set_mandate(opening.mandate, opening.reason, cause)
    account.deposit(opening.deposit, intake.INITIAL_DEPOSIT, cause)
    plan = opening.plan(starts_on)
    if plan is not None:
        account.set_funding_plan(plan, "stated in the intake conversation", cause)
    return account
