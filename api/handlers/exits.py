"""Operator exits (cancel an order, close a position, flatten an account or the desk) and
the desk-wide daily loss limit. Exits are allowed while a kill switch is tripped."""

from __future__ import annotations

from api import exits
from api.context import Call
from api.inputs import ReasonBody
from streams.commands import (
    CancelOrder,
    ClosePosition,
    FlattenAccount,
    FlattenDesk,
    SetDeskLossLimit,
)


async def cancel_order(call: Call) -> exits.ExitResult:
    """Cancel a bracket whose entry has not filled."""
    state, order_id, body = call.state, call.path["order_id"], call.body
    assert isinstance(body, ReasonBody)

    def run() -> exits.ExitResult:
        exits.known_order(state.desk, order_id)
        return exits.run_exit(state.desk, lambda chain: CancelOrder(
            actor=call.actor, at=state.desk_time(), correlation_id=chain,
            order_id=order_id, reason=body.reason), "order", body.reason)

    return await state.gate.write(run)


async def close_position(call: Call) -> exits.ExitResult:
    """Close an account's position in a symbol at market."""
    state, body = call.state, call.body
    account_id, symbol = call.path["account_id"], call.path["symbol"]
    assert isinstance(body, ReasonBody)

    def run() -> exits.ExitResult:
        exits.known_account(state.desk, account_id)
        return exits.run_exit(state.desk, lambda chain: ClosePosition(
            actor=call.actor, at=state.desk_time(), correlation_id=chain,
            account_id=account_id, symbol=symbol, reason=body.reason), "position",
            body.reason)

    return await state.gate.write(run)


async def flatten_account(call: Call) -> exits.ExitResult:
    """Cancel every working entry and close every position of one account."""
    state, account_id, body = call.state, call.path["account_id"], call.body
    assert isinstance(body, ReasonBody)

    def run() -> exits.ExitResult:
        exits.known_account(state.desk, account_id)
        return exits.run_exit(state.desk, lambda chain: FlattenAccount(
            actor=call.actor, at=state.desk_time(), correlation_id=chain,
            account_id=account_id, reason=body.reason), "account", body.reason)

    return await state.gate.write(run)


async def flatten_desk(call: Call) -> exits.ExitResult:
    """Cancel every working entry and close every position of every account."""
    state, body = call.state, call.body
    assert isinstance(body, ReasonBody)
    return await state.gate.write(lambda: exits.run_exit(state.desk, lambda chain: FlattenDesk(
        actor=call.actor, at=state.desk_time(), correlation_id=chain, reason=body.reason),
        "desk", body.reason))


async def set_desk_loss_limit(call: Call) -> exits.LossLimitChange:
    """Set the desk-wide daily loss limit (0: off)."""
    state, body = call.state, call.body
    assert isinstance(body, exits.LossLimitBody)
    return await state.gate.write(lambda: exits.set_loss_limit(state.desk, SetDeskLossLimit(
        actor=call.actor, at=state.desk_time(), correlation_id=f"desk-limit-{body.limit}",
        limit=body.limit, reason=body.reason)))
