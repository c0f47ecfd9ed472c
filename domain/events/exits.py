"""Operator exits and the desk-wide loss limit: what an operator asks of live brackets
(cancel an entry, close a position), what the broker refused, and the desk's own limit."""

from __future__ import annotations

from enum import StrEnum

from domain.events.envelope import Payload, register
from domain.money import Money


class ExitAction(StrEnum):
    CANCEL = "CANCEL"  # the entry has not filled: cancel the bracket
    CLOSE = "CLOSE"  # the entry filled: sell the position, cancelling stop and target


@register
class ExitRequested(Payload):
    """An operator asked the broker to cancel a bracket or close its position; `scope`
    says what they asked for (order, position, account or desk), `reason` why."""

    order_id: str
    account_id: str
    action: ExitAction
    scope: str
    reason: str


@register
class ExitRefused(Payload):
    """The broker refused an operator's exit (e.g. the order had already closed)."""

    order_id: str
    account_id: str
    action: ExitAction
    reason: str


@register
class DeskLossLimitSet(Payload):
    """The desk-wide daily loss limit (rupees, all accounts' P&L together): reaching it
    trips the desk kill switch. Zero switches the limit off."""

    scope: str  # always the desk's: keyed, partitioned and folded beside its kill switch
    limit: Money
    reason: str
