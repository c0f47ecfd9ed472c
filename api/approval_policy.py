"""An account's approval policy over the API: read it, or set it (an admin, with a reason),
recorded as a new mandate version whose actor is the admin, as `desk account policy` does."""

from __future__ import annotations

from api.context import Call
from api.errors import not_found
from api.inputs import Reason, Strict
from api.operator import _execute, _new_correlation
from api.schemas import Resource
from domain.approval_policy import ApprovalPolicy
from domain.approval_policy_text import describe
from streams import commands
from streams.bootstrap import AnyDesk
from streams.unit_of_work import UnitOfWork


class ApprovalPolicyBody(Strict):
    """The policy to put in force, whole, and why."""

    policy: ApprovalPolicy
    reason: Reason


class ApprovalPolicyView(Resource):
    """The policy in force for an account (the intake's manual/auto when none was set)."""

    account_id: str
    mandate_version: int
    policy: ApprovalPolicy
    words: str
    changed: bool = False


def policy_view(desk: AnyDesk, account_id: str, changed: bool = False) -> ApprovalPolicyView:
    """The account's policy in force; 404 for an account without a mandate."""
    row = desk.runtime.view.accounts.get(account_id)
    if row is None or row.mandate is None:
        raise not_found("account_id", f"no account {account_id!r} with a mandate")
    policy = row.mandate.policy()
    return ApprovalPolicyView(
        account_id=account_id,
        mandate_version=row.mandate_version,
        policy=policy,
        words=describe(policy),
        changed=changed,
    )


async def get_approval_policy(call: Call) -> ApprovalPolicyView:
    """The account's approval policy in force."""
    async with call.state.gate.reading():
        return policy_view(call.state.desk, call.path["account_id"])


async def set_approval_policy(call: Call) -> ApprovalPolicyView:
    """Put a policy in force as a new mandate version (unchanged: nothing recorded)."""
    state, account_id, body = call.state, call.path["account_id"], call.body
    assert isinstance(body, ApprovalPolicyBody)

    def run() -> ApprovalPolicyView:
        desk = state.desk
        before = policy_view(desk, account_id)
        if before.policy == body.policy:
            return before
        mandate = desk.runtime.view.accounts[account_id].mandate
        assert mandate is not None  # policy_view answered 404 otherwise
        uow = UnitOfWork(desk.store, desk.clock)
        commands.handle(
            commands.SetMandate(
                actor=call.actor,
                at=state.desk_time(),
                correlation_id=_new_correlation(desk),
                account_id=account_id,
                reason=f"approval policy: {body.reason}",
                mandate=mandate.model_copy(update={"approval_policy": body.policy}),
            ),
            uow,
            desk.runtime.view,
            desk.book,
        )
        _execute(desk, uow)
        return policy_view(desk, account_id, changed=True)

    return await state.gate.write(run)
