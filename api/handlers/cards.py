"""Cards: the approval queue, one card's evidence and lineage, approve and reject."""

from __future__ import annotations

from api import operator, present
from api import schemas as s
from api.context import Call
from api.errors import not_found
from api.inputs import CardsQuery, ReasonBody
from api.review_resources import review


async def list_cards(call: Call) -> s.CardList:
    """The approval queue: cards by status, account or symbol; waiting first."""
    q: CardsQuery = call.query
    async with call.state.gate.reading():
        rows = [
            r for r in call.state.desk.runtime.view.cards.values()
            if (q.status is None or r.status == q.status)
            and (q.account is None or r.account_id == q.account)
            and (q.strategy is None or r.strategy == q.strategy)
        ]
        verdicts = {c: r.verdict for c, r in
                    call.state.desk.runtime.view.reviews.by_card.items() if r.verdict}
        return s.CardList(cards=present.queue(rows, verdicts))


async def get_card(call: Call) -> s.CardDetail:
    """One card with its evidence, guardrails, sizing and lineage."""
    card_id = call.path["card_id"]
    async with call.state.gate.reading():
        row = call.state.desk.runtime.view.cards.get(card_id)
        if row is None:
            raise not_found("card_id", f"no card {card_id!r}")
        reviewed = call.state.desk.runtime.view.reviews.by_card.get(card_id)
        summary = present.card(row, reviewed.verdict or None if reviewed else None)
        judged = review(reviewed) if reviewed else None
    state = call.state
    stream = await state.gate.read_store(state.desk.store.stream, card_id)
    lineage = await state.card_lineage.lineage(state.gate, state.desk.store, card_id)
    return present.card_detail(summary, stream, lineage).model_copy(update={"review": judged})


async def approve_card(call: Call) -> s.Decision:
    """Approve a waiting card as the caller (409 with the reason when refused)."""
    state, card_id, actor = call.state, call.path["card_id"], call.actor
    return await state.gate.write(
        lambda: operator.approve(state.desk, state.desk_time(), card_id, actor))


async def reject_card(call: Call) -> s.Decision:
    """Reject a waiting card as the caller, with a reason."""
    state, card_id, actor = call.state, call.path["card_id"], call.actor
    body: ReasonBody = call.body
    return await state.gate.write(
        lambda: operator.reject(state.desk, state.desk_time(), card_id, actor, body.reason))
