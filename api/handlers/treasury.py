"""Treasury: the desk's cash by state and account, and transfers between accounts."""

from __future__ import annotations

from api import present
from api import schemas as s
from api.context import Call
from api.inputs import ReasonBody, TransferBody
from api.operator import transfer_command
from projections.treasury import treasury
from streams.commands import ApproveTransfer, ProposeTransfer, RejectTransfer


async def get_treasury(call: Call) -> s.TreasuryReport:
    """Desk-wide and per-account holdings."""
    async with call.state.gate.reading():
        return present.treasury_report(treasury(call.state.desk.runtime.view.cash))


async def list_transfers(call: Call) -> s.TransferList:
    """Transfers between accounts, proposed and decided."""
    async with call.state.gate.reading():
        rows = sorted(call.state.desk.runtime.view.transfers.values(),
                      key=lambda t: t.transfer_id)
        return s.TransferList(transfers=[present.transfer(r) for r in rows])


async def propose_transfer(call: Call) -> s.TransferResource:
    """Propose a transfer of available cash (an admin decides)."""
    state, body = call.state, call.body
    assert isinstance(body, TransferBody)

    def propose(transfer_id: str) -> ProposeTransfer:
        """The proposal command for the new transfer id."""
        return ProposeTransfer(
            actor=call.actor, at=state.desk_time(), correlation_id=transfer_id,
            transfer_id=transfer_id, from_account=body.from_account,
            to_account=body.to_account, amount=body.amount, reason=body.reason)

    return await state.gate.write(lambda: transfer_command(state.desk, None, propose))


async def approve_transfer(call: Call) -> s.TransferResource:
    """Approve a proposed transfer and move the cash."""
    state, transfer_id = call.state, call.path["transfer_id"]
    return await state.gate.write(lambda: transfer_command(
        state.desk, transfer_id,
        lambda tid: ApproveTransfer(actor=call.actor, at=state.desk_time(),
                                    correlation_id=tid, transfer_id=tid)))


async def reject_transfer(call: Call) -> s.TransferResource:
    """Reject a proposed transfer."""
    state, transfer_id, body = call.state, call.path["transfer_id"], call.body
    assert isinstance(body, ReasonBody)
    return await state.gate.write(lambda: transfer_command(
        state.desk, transfer_id,
        lambda tid: RejectTransfer(actor=call.actor, at=state.desk_time(),
                                   correlation_id=tid, transfer_id=tid, reason=body.reason)))
