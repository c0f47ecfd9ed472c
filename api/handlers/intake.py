"""The intake conversation over HTTP: start, answer question by question, confirm.

Sessions live in the API process's memory (`api.intake_sessions`) until confirmed; only
confirming stores anything: AccountOpened, MandateSet v1, the opening deposit and the
funding plan, with the admin as actor. A bad answer is answered 422 with the question and
the reason, and the same question waits for a better answer.
"""

from __future__ import annotations

from api import schemas as s
from api.context import Call
from api.errors import ApiError, conflict, not_found
from api.handlers.accounts import account_detail
from api.inputs import IntakeAnswer, IntakeStart
from api.operator import open_account
from domain import intake


async def start_intake(call: Call) -> s.IntakeStep:
    """Start an account-opening conversation; its first question."""
    body: IntakeStart = call.body
    state = call.state
    async with state.gate.reading():
        if body.account_id in state.desk.runtime.view.accounts:
            raise conflict("account_exists", f"account {body.account_id} is already open")
    known = tuple(sorted({i.sector for i in state.desk.instruments.values()}))
    try:
        session, reply = intake.start(body.account_id, body.name, known)
    except intake.IntakeError as e:
        raise ApiError(422, "invalid_body", str(e), field="account_id") from None
    return _step(state.intake.start(session), session, reply)


async def answer_intake(call: Call) -> s.IntakeStep:
    """Answer the current question; the next one, the same one with a reason, or the summary."""
    session_id, body = call.path["session_id"], call.body
    assert isinstance(body, IntakeAnswer)
    session = _session(call, session_id)
    try:
        session, reply = intake.answer(session, body.text)
    except intake.IntakeError as e:
        raise conflict("intake_complete", str(e)) from None
    if reply.step is intake.Step.REASK:
        question = _question(reply)
        raise ApiError(422, "answer_not_taken", reply.reason, field="text", reason=reply.reason,
                       extra={"session_id": session_id,
                              "question": question.model_dump() if question else None})
    call.state.intake.put(session_id, session)
    return _step(session_id, session, reply)


async def confirm_intake(call: Call) -> s.IntakeOpened:
    """Open the account the finished conversation describes."""
    session_id, state, actor = call.path["session_id"], call.state, call.actor
    session = _session(call, session_id)
    try:
        opening = intake.confirm(session)
    except intake.IntakeError as e:
        raise conflict("intake_incomplete", str(e)) from None
    recorded = await state.gate.write(
        lambda: open_account(state.desk, state.desk_time(), opening, actor))
    state.intake.end(session_id)
    async with state.gate.reading():
        plan = state.desk.runtime.view.funding.get(opening.account_id)
    return s.IntakeOpened(
        account=await account_detail(call, opening.account_id),
        funding_plan=plan.plan if plan else None,
        event_ids=[str(r.event.event_id) for r in recorded],
    )


def _session(call: Call, session_id: str) -> intake.Session:
    session = call.state.intake.get(session_id)
    if session is None:
        raise not_found("session_id", f"no intake session {session_id!r} (confirmed, or "
                        "started before the API restarted)")
    return session


def _question(reply: intake.Reply) -> s.IntakeQuestion | None:
    if reply.question is None:
        return None
    return s.IntakeQuestion(key=reply.question.key, prompt=reply.question.prompt,
                            number=reply.number, total=len(intake.QUESTIONS))


def _step(session_id: str, session: intake.Session, reply: intake.Reply) -> s.IntakeStep:
    return s.IntakeStep(
        session_id=session_id, account_id=session.account_id, name=session.name,
        step="confirm" if reply.step is intake.Step.CONFIRM else "ask",
        question=_question(reply), assumed=list(reply.assumed), summary=list(reply.summary),
    )
