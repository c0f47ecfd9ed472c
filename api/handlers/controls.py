"""Kill switches per account, and the desk-wide halt: admin commands with a reason."""

from __future__ import annotations

from api import operator
from api import schemas as s
from api.context import Call
from api.inputs import ReasonBody
from domain.events import DESK_SCOPE


async def trip_kill_switch(call: Call) -> s.KillSwitchChange:
    """Halt new entries for an account."""
    return await _switch(call, call.path["account"], trip=True)


async def reset_kill_switch(call: Call) -> s.KillSwitchChange:
    """Let an account take new entries again."""
    return await _switch(call, call.path["account"], trip=False)


async def halt_desk(call: Call) -> s.KillSwitchChange:
    """Halt new entries desk-wide."""
    return await _switch(call, DESK_SCOPE, trip=True)


async def resume_desk(call: Call) -> s.KillSwitchChange:
    """Let the desk take new entries again."""
    return await _switch(call, DESK_SCOPE, trip=False)


async def _switch(call: Call, scope: str, trip: bool) -> s.KillSwitchChange:
    state, actor = call.state, call.actor
    body: ReasonBody = call.body
    return await state.gate.write(
        lambda: operator.switch(state.desk, state.desk_time(), scope, actor, body.reason, trip))
