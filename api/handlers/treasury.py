"""Treasury: the desk's cash by state and account, and transfers between accounts."""

from __future__ import annotations

from api import present
from api import schemas as s
from api.context import Call
from api.inputs import ReasonBody, TransferBody
from api.operator import transfer_command
from domain.aggregates import Cause
from projections.treasury import treasury
from streams import commands
from streams.unit_of_work import UnitOfWork


async def get_treasury(call: Call) -> s.TreasuryReport:
    async with call.state.gate.reading():
        return present.treasury_report(treasury(call.state.desk.runtime.view.cash))


async def list_transfers(call: Call) -> s.TransferList:
    async with call.state.gate.reading():
        rows = sorted(call.state.desk.runtime.view.transfers.values(),
                      key=lambda t: t.transfer_id)
        return s.TransferList(transfers=[present.transfer(r) for r in rows])


async def propose_transfer(call: Call) -> s.TransferResource:
    state, body = call.state, call.body
    assert isinstance(body, TransferBody)

    def propose(uow: UnitOfWork, transfer_id: str, cause: Cause) -> None:
        commands.propose_transfer(uow, state.desk.runtime.view, transfer_id,
                                  body.from_account, body.to_account, body.amount,
                                  body.reason, cause)

    return await state.gate.write(
        lambda: transfer_command(state.desk, state.desk_time(), None, call.actor, propose))


async def approve_transfer(call: Call) -> s.TransferResource:
    state, transfer_id = call.state, call.path["transfer_id"]
    return await state.gate.write(lambda: transfer_command(
        state.desk, state.desk_time(), transfer_id, call.actor,
        lambda uow, tid, cause: commands.approve_transfer(uow, tid, cause)))


async def reject_transfer(call: Call) -> s.TransferResource:
    state, transfer_id, body = call.state, call.path["transfer_id"], call.body
    assert isinstance(body, ReasonBody)
    return await state.gate.write(lambda: transfer_command(
        state.desk, state.desk_time(), transfer_id, call.actor,
        lambda uow, tid, cause: commands.reject_transfer(uow, tid, body.reason, cause)))
