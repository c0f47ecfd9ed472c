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

from domain import guardrails, intake
from domain.aggregates import (
    Account,
    Aggregate,
    BrokerAccount,
    Cause,
    DomainError,
    Reconciliation,
    RiskGuard,
    TradeCard,
    Transfer,
)
from domain.aggregates.reconciliation import RECONCILIATION_REASON
from domain.events import DESK_SCOPE
from domain.ids import (
    account_stream,
    broker_stream,
    reconciliation_stream,
    risk_stream,
    transfer_stream,
)
from domain.money import ZERO
from domain.review import oppose_guardrail
from domain.session import IST
from domain.sizing import reserve_for
from domain.strategy.book import StrategyBook
from domain.values import GuardrailResult, Mandate
from projections.desk import DeskView
from projections.guard_facts import guard_context
from streams.command_base import Command, Step
from streams.exit_commands import (
    CancelOrder,
    ClosePosition,
    FlattenAccount,
    FlattenDesk,
    cancel_order,
    close_position,
    flatten_account,
    flatten_desk,
)
from streams.strategy_runs import book_for_version
from streams.unit_of_work import UnitOfWork


@dataclass(frozen=True, kw_only=True)
class ApproveCard(Command):
    """Approve a waiting card; a failing guardrail re-check rejects it with the reason.
    An approval policy adds the checks it ran (`policy_checks`), recorded beside them."""

    card_id: str
    policy_checks: tuple[GuardrailResult, ...] = ()


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
    """Resolve a reconciliation break at a venue, saying what was done; an account it
    halted takes new entries again once no open break names it."""

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


@dataclass(frozen=True, kw_only=True)
class SetDeskLossLimit(Command):
    """Set the desk-wide daily loss limit in rupees (zero: off)."""

    limit: Decimal
    reason: str


@dataclass(frozen=True, kw_only=True)
class AddBroker(Command):
    """Connect an account to a broker: where its credentials are read from, never them."""

    account_id: str
    broker: str
    credentials: dict[str, str]
    settings: dict[str, str]
    reason: str


# The exit commands live in `streams.exit_commands`; callers import every command from here.
__all__ = ["CancelOrder", "ClosePosition", "Command", "FlattenAccount", "FlattenDesk", "handle"]


def handle(cmd: Command, uow: UnitOfWork, view: DeskView, book: StrategyBook) -> Aggregate:
    """Run `cmd` in `uow` (the caller commits); the aggregate it acted on."""
    cause = Cause(cmd.at, uow.clock(), cmd.actor, cmd.correlation_id, cmd.causation_id)
    return _HANDLERS[type(cmd)](cmd, Step(uow, view, book, cause))


def recheck(
    card: TradeCard, view: DeskView, book: StrategyBook, now: datetime
) -> tuple[GuardrailResult, ...]:
    """The card's guardrails against the desk as it is now, under the desk's book."""
    proposal = card.proposal
    if proposal is None:
        raise DomainError(f"unknown card {card.id}")
    book = book_for_version(view, book, proposal.strategy, proposal.strategy_version)
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
        view.halted(proposal.account_id), now, context, book.calendar,
    ))


def _existing_card(uow: UnitOfWork, card_id: str) -> TradeCard:
    card = uow.get(TradeCard, card_id)
    if not card.exists:
        raise DomainError(f"unknown card {card_id}")
    return card


def _approve_card(cmd: ApproveCard, step: Step) -> TradeCard:
    """Approve a waiting card; a failing re-check rejects it with the reason instead."""
    card = _existing_card(step.uow, cmd.card_id)
    checks = recheck(card, step.view, step.book, cmd.at)
    account = step.view.accounts.get(card.proposal.account_id) if card.proposal else None
    if account is not None and account.mandate is not None and \
            account.mandate.judge_oppose_blocks:
        review = step.view.reviews.by_card.get(card.id)
        checks = (*checks, oppose_guardrail(review.verdict if review else None))
    card.approve(cmd.actor, cmd.at, (*checks, *cmd.policy_checks), step.cause)
    return card


def _reject_card(cmd: RejectCard, step: Step) -> TradeCard:
    card = _existing_card(step.uow, cmd.card_id)
    card.reject(cmd.actor, cmd.reason, cmd.at, step.cause)
    return card


def _trip_kill_switch(cmd: TripKillSwitch, step: Step) -> RiskGuard:
    guard = step.uow.get(RiskGuard, risk_stream(cmd.scope))
    guard.trip(cmd.reason, "operator", ZERO, ZERO, step.cause)
    return guard


def _reset_kill_switch(cmd: ResetKillSwitch, step: Step) -> RiskGuard:
    guard = step.uow.get(RiskGuard, risk_stream(cmd.scope))
    guard.reset(cmd.reason, step.cause)
    return guard


def _resolve_break(cmd: ResolveBreak, step: Step) -> Reconciliation:
    record = step.uow.get(Reconciliation, reconciliation_stream(cmd.venue))
    resolved = record.resolve(cmd.break_id, cmd.actor, cmd.note, step.cause)
    halted = {a for b in record.open.values() for a in b.accounts}  # still, by other breaks
    for account_id in (a for a in resolved.accounts if a not in halted):
        guard = step.uow.get(RiskGuard, risk_stream(account_id))
        if guard.reason.startswith(RECONCILIATION_REASON):
            guard.reset(f"reconciliation breaks at {cmd.venue} resolved", step.cause)
    return record


def _open_account(cmd: OpenAccount, step: Step) -> Account:
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


def _set_mandate(cmd: SetMandate, step: Step) -> Account:
    account = step.uow.get(Account, account_stream(cmd.account_id))
    if not account.exists:
        raise DomainError(f"unknown account {cmd.account_id!r}")
    account.set_mandate(cmd.mandate, cmd.reason, step.cause)
    return account


def _propose_transfer(cmd: ProposeTransfer, step: Step) -> Transfer:
    """Propose moving available cash between two open accounts; an admin decides."""
    for account_id in (cmd.from_account, cmd.to_account):
        if account_id not in step.view.accounts:
            raise DomainError(f"unknown account {account_id}")
    transfer = step.uow.get(Transfer, transfer_stream(cmd.transfer_id))
    transfer.propose(cmd.from_account, cmd.to_account, cmd.amount, cmd.reason, step.cause)
    return transfer


def _approve_transfer(cmd: ApproveTransfer, step: Step) -> Transfer:
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


def _reject_transfer(cmd: RejectTransfer, step: Step) -> Transfer:
    transfer = step.uow.get(Transfer, transfer_stream(cmd.transfer_id))
    transfer.reject(cmd.reason, step.cause)
    return transfer


def _set_desk_loss_limit(cmd: SetDeskLossLimit, step: Step) -> RiskGuard:
    guard = step.uow.get(RiskGuard, risk_stream(DESK_SCOPE))
    guard.set_loss_limit(cmd.limit, cmd.reason, step.cause)
    return guard


def _add_broker(cmd: AddBroker, step: Step) -> BrokerAccount:
    if cmd.account_id not in step.view.accounts:
        raise DomainError(f"unknown account {cmd.account_id}")
    link = step.uow.get(BrokerAccount, broker_stream(cmd.account_id))
    link.configure(cmd.account_id, cmd.broker, cmd.credentials, cmd.settings, cmd.reason,
                   step.cause)
    return link


# Command type -> the function that runs it: every operator action, whoever asks.
_HANDLERS: dict[type[Command], Callable[[Any, Step], Aggregate]] = {
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
    CancelOrder: cancel_order,
    ClosePosition: close_position,
    FlattenAccount: flatten_account,
    FlattenDesk: flatten_desk,
    SetDeskLossLimit: _set_desk_loss_limit,
    AddBroker: _add_broker,
}
