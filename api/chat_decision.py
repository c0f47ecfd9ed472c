"""A card decided from a chat button, whichever the chat: the presser must be a desk
operator with the approver role or above, a press counts once, and the decision runs the
API's own command path (`api.operator`: the guardrail re-check, the card's state rules,
the same single writer), recorded as `operator:<name> via <channel>`. The message is then
edited to show the outcome, its buttons gone."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from api import operator
from api.context import ApiState
from api.errors import ApiError
from api.tokens import Role
from domain.ids import callback_key
from domain.notify import ButtonPress, ChatOperator, DeliveryError, outcome_text
from streams.ports import ChatBot

log = structlog.get_logger("eventdesk.chat")

PRESSES_KEPT = 100_000


class PressMemory(Protocol):
    """Where handled presses are remembered (in memory, or durably in a file)."""

    def first_time(self, press_id: str) -> bool:
        """Whether this press is new (remembering it); a replayed press is not."""
        ...


@dataclass
class PressLog:
    """The presses already handled (the newest `PRESSES_KEPT`), so a replay is refused."""

    seen: OrderedDict[str, None] = field(default_factory=OrderedDict)

    def first_time(self, press_id: str) -> bool:
        """Whether this press is new (remembering it); a replayed press is not."""
        if press_id in self.seen:
            return False
        self.seen[press_id] = None
        if len(self.seen) > PRESSES_KEPT:
            self.seen.popitem(last=False)
        return True


def refusal(
    chat_operator: ChatOperator | None, channel: str, user_id: int
) -> tuple[int, str] | None:
    """(HTTP status, what the presser is told) when this presser may not decide; None
    when they may."""
    if chat_operator is None:
        log.warning("chat press refused", channel=channel, reason="unknown user", user_id=user_id)
        return 403, "You are not a desk operator."
    if Role.parse(chat_operator.role) < Role.APPROVER:
        return 403, f"{chat_operator.name}: your role may not decide cards."
    return None


async def decide(
    state: ApiState,
    bot: ChatBot,
    chat_operator: ChatOperator,
    press: ButtonPress,
    channel: str,
    reject_reason: str,
) -> tuple[int, str]:
    """Run an allowed press as its operator's command; (HTTP status, what the presser is
    told). The chat's message is edited to show the outcome either way."""
    async with state.gate.reading():
        card_id = next(
            (c for c in state.desk.runtime.view.cards if callback_key(c) == press.card_key), None
        )
    if card_id is None:
        return 404, "No such card."
    actor, desk = chat_operator.via(channel), state.desk
    try:
        if press.action == "approve":
            decision = await state.gate.write(
                lambda: operator.approve(desk, state.desk_time(), card_id, actor)
            )
        else:
            decision = await state.gate.write(
                lambda: operator.reject(desk, state.desk_time(), card_id, actor, reject_reason)
            )
    except ApiError as e:
        reason = e.detail or e.error
        card = state.desk.runtime.view.cards.get(card_id)
        status = card.status.lower() if card is not None else "refused"
        await tell(bot.edit(press.message_ref, f"Card {card_id} is {status}: {reason}"))
        log.info("chat decision refused", card_id=card_id, actor=actor, reason=reason)
        return 409, reason[:200]
    decided = decision.card.status.lower()
    await tell(bot.edit(press.message_ref, outcome_text(card_id, decided, actor)))
    return 200, f"Card {decided}."


async def tell(call: Awaitable[None]) -> None:
    """Answer or edit in the chat; the decision stands whether or not the chat hears it."""
    try:
        await call
    except DeliveryError as e:
        log.warning("chat answer failed", reason=e.reason)
