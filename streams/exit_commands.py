"""Operator exits as commands: cancel an order, close a position, flatten an account or the
desk. Each records an exit request on the brackets concerned; the paper exits manager or a
venue's exit router carries it out. Allowed while a kill switch is tripped."""

from __future__ import annotations

from dataclasses import dataclass

from domain.aggregates import DomainError, Order
from domain.events import ExitAction
from projections.desk import DeskView
from projections.orders import OrderRow
from streams.command_base import Command, Step


@dataclass(frozen=True, kw_only=True)
class CancelOrder(Command):
    """Cancel a bracket whose entry has not filled (allowed while a kill switch is tripped)."""

    order_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ClosePosition(Command):
    """Close an account's open position in a symbol at market: every open bracket on it."""

    account_id: str
    symbol: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class FlattenAccount(Command):
    """Cancel every working entry and close every open position of one account."""

    account_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class FlattenDesk(Command):
    """Cancel every working entry and close every open position of every account."""

    reason: str


def cancel_order(cmd: CancelOrder, step: Step) -> Order:
    order = step.uow.get(Order, cmd.order_id)
    if not order.exists:
        raise DomainError(f"unknown order {cmd.order_id}")
    order.request_exit(ExitAction.CANCEL, "order", cmd.reason, step.cause)
    return order


def close_position(cmd: ClosePosition, step: Step) -> Order:
    rows = [r for r in _live(step.view, cmd.account_id)
            if r.symbol == cmd.symbol and r.status == "OPEN"]
    if not rows:
        raise DomainError(f"account {cmd.account_id} holds no open position in {cmd.symbol}")
    return _exit_all(rows, "position", cmd.reason, step)


def flatten_account(cmd: FlattenAccount, step: Step) -> Order:
    if cmd.account_id not in step.view.accounts:
        raise DomainError(f"unknown account {cmd.account_id}")
    return _exit_all(_live(step.view, cmd.account_id), "account", cmd.reason, step)


def flatten_desk(cmd: FlattenDesk, step: Step) -> Order:
    return _exit_all(_live(step.view, None), "desk", cmd.reason, step)


def _live(view: DeskView, account_id: str | None) -> list[OrderRow]:
    """The live brackets (entry working, or position open) of one account, or all, that
    no operator exit is pending on, in order id order."""
    return [view.orders.by_id[i] for ids in view.orders.live_by_symbol.values() for i in ids
            if (account_id is None or view.orders.by_id[i].account_id == account_id)
            and not view.orders.by_id[i].exit_requested]


def _exit_all(rows: list[OrderRow], scope: str, reason: str, step: Step) -> Order:
    """An exit for each bracket: cancel an unfilled entry, close an open position."""
    if not rows:
        raise DomainError(f"nothing to exit: no working order or open position ({scope})")
    orders = [step.uow.get(Order, r.order_id) for r in sorted(rows, key=lambda r: r.order_id)]
    for order in orders:
        order.request_exit(order.exit_action(), scope, reason, step.cause)
    return orders[-1]
