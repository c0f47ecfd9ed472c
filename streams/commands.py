"""Operator commands (approve, reject, kill switches), shared by the CLI, API and demo.

Each command loads through a unit of work, re-checks what must be re-checked, and runs the
aggregate's command; the caller commits. Business refusals raise `DomainError`s that the
boundary maps to a clear message (the API: 409).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from adapters.files.strategy_book import default_book
from domain import guardrails, intake
from domain.aggregates import Account, Cause, DomainError, RiskGuard, TradeCard, Transfer
from domain.ids import account_stream, risk_stream, transfer_stream
from domain.money import ZERO
from domain.sizing import reserve_for
from domain.values import GuardrailResult
from projections.desk import DeskView
from projections.guard_facts import guard_context
from streams.unit_of_work import UnitOfWork


def recheck(
    card: TradeCard, view: DeskView, now: datetime
) -> tuple[GuardrailResult, ...]:
    """The card's guardrails against the desk as it is now, under the shipped book."""
    proposal = card.proposal
    if proposal is None:
        raise DomainError(f"unknown card {card.id}")
    account = view.accounts.get(proposal.account_id)
    if account is None or account.mandate is None:
        raise DomainError(f"account {proposal.account_id} has no mandate")
    cash = view.cash.get(proposal.account_id)
    reserve = reserve_for(proposal.reference_price, proposal.quantity)
    context = guard_context(view, default_book(), proposal.account_id, proposal.symbol,
                            proposal.sector, proposal.strategy, proposal.catalyst_at,
                            proposal.adv_value)
    return guardrails.check(guardrails.CardFacts(
        proposal.quantity, proposal.reference_price, reserve, view.equity(proposal.account_id),
        cash.available if cash else ZERO, account.mandate,
        view.halted(proposal.account_id), now, context,
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


def propose_transfer(uow: UnitOfWork, view: DeskView, transfer_id: str, from_account: str,
                     to_account: str, amount: Decimal, reason: str, cause: Cause) -> Transfer:
    """Propose moving available cash between two open accounts; an admin decides."""
    for account_id in (from_account, to_account):
        if account_id not in view.accounts:
            raise DomainError(f"unknown account {account_id}")
    transfer = uow.get(Transfer, transfer_stream(transfer_id))
    transfer.propose(from_account, to_account, amount, reason, cause)
    return transfer


def approve_transfer(uow: UnitOfWork, transfer_id: str, cause: Cause) -> Transfer:
    """Approve and move the cash in the same unit of work: debit from available cash only
    (refused, nothing stored, when reserved, deployed or buffer cash would be needed)."""
    transfer = uow.get(Transfer, transfer_stream(transfer_id))
    proposal = transfer.approve(cause)
    source = uow.get(Account, account_stream(proposal.from_account))
    source.transfer_out(transfer.id, proposal.to_account, proposal.amount, cause)
    uow.get(Account, account_stream(proposal.to_account)).transfer_in(
        transfer.id, proposal.from_account, proposal.amount, cause)
    return transfer


def reject_transfer(uow: UnitOfWork, transfer_id: str, reason: str, cause: Cause) -> Transfer:
    transfer = uow.get(Transfer, transfer_stream(transfer_id))
    transfer.reject(reason, cause)
    return transfer
