"""Operator commands, as values, and the one place that runs them: `handle`.

The API, the CLI and the demo approver all build a command (who acts, at what desk time,
in which causal chain) and call `handle` with a unit of work; the caller commits. Each
command loads through the unit of work, re-checks what must be re-checked, and runs the
aggregate's command. Business refusals raise `DomainError`s that the boundary maps to a
clear message (the API: 409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain import guardrails, intake
from domain.aggregates import (
    Account,
    Aggregate,
    Cause,
    DomainError,
    Reconciliation,
    RiskGuard,
    TradeCard,
    Transfer,
)
from domain.aggregates.reconciliation import RECONCILIATION_REASON
from domain.ids import account_stream, reconciliation_stream, risk_stream, transfer_stream
from domain.money import ZERO
from domain.session import IST
from domain.sizing import reserve_for
from domain.strategy.book import StrategyBook
from domain.values import GuardrailResult, Mandate
from projections.desk import DeskView
from projections.guard_facts import guard_context
from streams.unit_of_work import UnitOfWork


@dataclass(frozen=True, kw_only=True)
class Command:
    """Who acts (`actor`), at what desk time (`at`), continuing which causal chain."""

    actor: str
    at: datetime
    correlation_id: str
    causation_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class ApproveCard(Command):
    """Approve a waiting card; a failing guardrail re-check rejects it with the reason."""

    card_id: str


@dataclass(frozen=True, kw_only=True)
class RejectCard(Command):
    """Reject a waiting card, with the operator's reason."""

    card_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class TripKillSwitch(Command):
    """Halt new entries for an account (or 'desk') by hand."""

    scope: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ResetKillSwitch(Command):
    """Let an account (or the desk) take new entries again."""

    scope: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ResolveBreak(Command):
    """Resolve a reconciliation break at a venue, saying what was done; once none is open,
    the accounts it halted take new entries again."""

    venue: str
    break_id: str
    note: str


@dataclass(frozen=True, kw_only=True)
class OpenAccount(Command):
    """A confirmed intake; its funding plan's installments fall due from the desk day of
    `at`."""

    opening: intake.Opening


@dataclass(frozen=True, kw_only=True)
class SetMandate(Command):
    """A new mandate version for an open account (e.g. revised by hand)."""

    account_id: str
    mandate: Mandate
    reason: str


@dataclass(frozen=True, kw_only=True)
class ProposeTransfer(Command):
    """Propose moving available cash between two open accounts; an admin decides."""

    transfer_id: str
    from_account: str
    to_account: str
    amount: Decimal
    reason: str


@dataclass(frozen=True, kw_only=True)
class ApproveTransfer(Command):
    """Approve a proposed transfer and move the cash in the same unit of work."""

    transfer_id: str


@dataclass(frozen=True, kw_only=True)
class RejectTransfer(Command):
    """Reject a proposed transfer, with the reason."""

    transfer_id: str
    reason: str


@dataclass(frozen=True)
class _Step:
    """What a command runs against: the unit of work, the read model, the desk's
    strategy book, and the cause every event it records carries."""

    uow: UnitOfWork
    view: DeskView
    book: StrategyBook
    cause: Cause


def handle(cmd: Command, uow: UnitOfWork, view: DeskView, book: StrategyBook) -> Aggregate:
    """Run `cmd` in `uow` (the caller commits); the aggregate it acted on."""
    cause = Cause(cmd.at, uow.clock(), cmd.actor, cmd.correlation_id, cmd.causation_id)
    return _HANDLERS[type(cmd)](cmd, _Step(uow, view, book, cause))


def recheck(
    card: TradeCard, view: DeskView, book: StrategyBook, now: datetime
) -> tuple[GuardrailResult, ...]:
    """The card's guardrails against the desk as it is now, under the desk's book."""
    proposal = card.proposal
    if proposal is None:
        raise DomainError(f"unknown card {card.id}")
    account = view.accounts.get(proposal.account_id)
    if account is None or account.mandate is None:
        raise DomainError(f"account {proposal.account_id} has no mandate")
    cash = view.cash.get(proposal.account_id)
    reserve = reserve_for(proposal.reference_price, proposal.quantity)
    context = guard_context(view, book, proposal.account_id, proposal.symbol,
                            proposal.sector, proposal.strategy, proposal.catalyst_at,
                            proposal.adv_value)
    return guardrails.check(guardrails.CardFacts(
        proposal.quantity, proposal.reference_price, reserve, view.equity(proposal.account_id),
        cash.available if cash else ZERO, account.mandate,
        view.halted(proposal.account_id), now, context,
    ))


def _existing_card(uow: UnitOfWork, card_id: str) -> TradeCard:
    card = uow.get(TradeCard, card_id)
    if not card.exists:
        raise DomainError(f"unknown card {card_id}")
    return card


def _approve_card(cmd: ApproveCard, step: _Step) -> TradeCard:
    """Approve a waiting card; a failing re-check rejects it with the reason instead."""
    card = _existing_card(step.uow, cmd.card_id)
    card.approve(cmd.actor, cmd.at, recheck(card, step.view, step.book, cmd.at), step.cause)
    return card


def _reject_card(cmd: RejectCard, step: _Step) -> TradeCard:
    card = _existing_card(step.uow, cmd.card_id)
    card.reject(cmd.actor, cmd.reason, cmd.at, step.cause)
    return card


def _trip_kill_switch(cmd: TripKillSwitch, step: _Step) -> RiskGuard:
    guard = step.uow.get(RiskGuard, risk_stream(cmd.scope))
    guard.trip(cmd.reason, "operator", ZERO, ZERO, step.cause)
    return guard


def _reset_kill_switch(cmd: ResetKillSwitch, step: _Step) -> RiskGuard:
    guard = step.uow.get(RiskGuard, risk_stream(cmd.scope))
    guard.reset(cmd.reason, step.cause)
    return guard


def _resolve_break(cmd: ResolveBreak, step: _Step) -> Reconciliation:
    record = step.uow.get(Reconciliation, reconciliation_stream(cmd.venue))
    resolved = record.resolve(cmd.break_id, cmd.actor, cmd.note, step.cause)
    if record.open:
        return record
    for account_id in resolved.accounts:
        guard = step.uow.get(RiskGuard, risk_stream(account_id))
        if guard.reason.startswith(RECONCILIATION_REASON):
            guard.reset(f"reconciliation breaks at {cmd.venue} resolved", step.cause)
    return record


def _open_account(cmd: OpenAccount, step: _Step) -> Account:
    """AccountOpened, MandateSet v1, the opening deposit and (when the intake stated one)
    the funding plan."""
    opening, cause = cmd.opening, step.cause
    account = step.uow.get(Account, account_stream(opening.account_id))
    account.open(opening.name, cause)
    account.set_mandate(opening.mandate, opening.reason, cause)
    account.deposit(opening.deposit, intake.INITIAL_DEPOSIT, cause)
    plan = opening.plan(cmd.at.astimezone(IST).date())
    if plan is not None:
        account.set_funding_plan(plan, "stated in the intake conversation", cause)
    return account


def _set_mandate(cmd: SetMandate, step: _Step) -> Account:
    account = step.uow.get(Account, account_stream(cmd.account_id))
    if not account.exists:
        raise DomainError(f"unknown account {cmd.account_id!r}")
    account.set_mandate(cmd.mandate, cmd.reason, step.cause)
    return account


def _propose_transfer(cmd: ProposeTransfer, step: _Step) -> Transfer:
    """Propose moving available cash between two open accounts; an admin decides."""
    for account_id in (cmd.from_account, cmd.to_account):
        if account_id not in step.view.accounts:
            raise DomainError(f"unknown account {account_id}")
    transfer = step.uow.get(Transfer, transfer_stream(cmd.transfer_id))
    transfer.propose(cmd.from_account, cmd.to_account, cmd.amount, cmd.reason, step.cause)
    return transfer


def _approve_transfer(cmd: ApproveTransfer, step: _Step) -> Transfer:
    """Approve and move the cash in the same unit of work: debit from available cash only
    (refused, nothing stored, when reserved, deployed or buffer cash would be needed)."""
    uow, cause = step.uow, step.cause
    transfer = uow.get(Transfer, transfer_stream(cmd.transfer_id))
    proposal = transfer.approve(cause)
    source = uow.get(Account, account_stream(proposal.from_account))
    source.transfer_out(transfer.id, proposal.to_account, proposal.amount, cause)
    uow.get(Account, account_stream(proposal.to_account)).transfer_in(
        transfer.id, proposal.from_account, proposal.amount, cause)
    return transfer


def _reject_transfer(cmd: RejectTransfer, step: _Step) -> Transfer:
    transfer = step.uow.get(Transfer, transfer_stream(cmd.transfer_id))
    transfer.reject(cmd.reason, step.cause)
    return transfer


# Command type -> the function that runs it: every operator action, whoever asks.
_HANDLERS: dict[type[Command], Callable[[Any, _Step], Aggregate]] = {
    ApproveCard: _approve_card,
    RejectCard: _reject_card,
    TripKillSwitch: _trip_kill_switch,
    ResetKillSwitch: _reset_kill_switch,
    ResolveBreak: _resolve_break,
    OpenAccount: _open_account,
    SetMandate: _set_mandate,
    ProposeTransfer: _propose_transfer,
    ApproveTransfer: _approve_transfer,
    RejectTransfer: _reject_transfer,
}
