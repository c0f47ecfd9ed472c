"""Approve or reject a card from a Telegram message: the bot's webhook.

Telegram posts each button press (an Update with a `callback_query`) here with the secret
it was given in `setWebhook`, in the `X-Telegram-Bot-Api-Secret-Token` header; Telegram
signs nothing else, so a wrong secret is refused (401) before the body is read. The
presser's Telegram user id must map to a desk operator with the approver role or above.
The decision then runs the API's own command path (`api.operator`: guardrail re-check,
the card's state rules, the same single writer), recorded as
`operator:<name> via telegram`. The message is edited to show the outcome (the buttons
go), and a press seen before (a replay) is refused, so a button works once.
"""

from __future__ import annotations

import hmac
from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass, field

import structlog
from aiohttp import web

from api import operator
from api.context import STATE, ApiState
from api.errors import ApiError
from api.tokens import Role
from domain.ids import callback_key
from domain.notify import ButtonPress, ChatOperator, DeliveryError, outcome_text
from streams.ports import ChatBot

log = structlog.get_logger("eventdesk.telegram")

PATH = "/hooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REJECT_REASON = "rejected from a Telegram message"
_PRESSES_KEPT = 100_000


@dataclass
class TelegramHook:
    """The webhook's bot, its operators and secret, and the presses already handled."""

    bot: ChatBot
    operators: tuple[ChatOperator, ...]
    secret: str = field(repr=False)
    seen: OrderedDict[str, None] = field(default_factory=OrderedDict)

    def first_time(self, callback_id: str) -> bool:
        """Whether this press is new (remembering it); a replayed press is not."""
        if callback_id in self.seen:
            return False
        self.seen[callback_id] = None
        if len(self.seen) > _PRESSES_KEPT:
            self.seen.popitem(last=False)
        return True

    def operator(self, user_id: int) -> ChatOperator | None:
        """The desk operator a chat user is, or None for a stranger."""
        return next((o for o in self.operators if o.telegram_user_id == user_id), None)


HOOK = web.AppKey("eventdesk_telegram", TelegramHook)


def mount(app: web.Application, bot: ChatBot, operators: tuple[ChatOperator, ...],
          secret: str) -> None:
    """Serve the webhook at `PATH` on the API's application."""
    app[HOOK] = TelegramHook(bot, operators, secret)
    app.router.add_post(PATH, telegram_update, name="telegramUpdate")


def _refuse(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "reason": reason}, status=status)


async def telegram_update(request: web.Request) -> web.Response:
    """One Update from Telegram: a button press becomes the operator's decision."""
    hook = request.app[HOOK]
    presented = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(presented.encode(), hook.secret.encode()):
        log.warning("telegram update refused", reason="bad secret token")
        return _refuse(401, "bad secret token")
    try:
        update = await request.json()
    except ValueError:
        return _refuse(400, "not JSON")
    press = hook.bot.read_press(update)
    if press is None:
        return web.json_response({"ok": True, "ignored": "not a button press"})
    status, text = await _decide(request.app[STATE], hook, press)
    await _tell(hook.bot.answer(press.press_id, text))
    return web.json_response({"ok": status == 200, "reason": text}, status=status)


async def _decide(state: ApiState, hook: TelegramHook, press: ButtonPress
                  ) -> tuple[int, str]:
    """Run the press as its operator's command; (HTTP status, what the presser is told)."""
    chat_operator = hook.operator(press.user_id)
    if chat_operator is None:
        log.warning("telegram press refused", reason="unknown user", user_id=press.user_id)
        return 403, "You are not a desk operator."
    if Role.parse(chat_operator.role) < Role.APPROVER:
        return 403, f"{chat_operator.name}: your role may not decide cards."
    if not hook.first_time(press.press_id):
        log.warning("telegram press refused", reason="replayed", operator=chat_operator.name)
        return 409, "This press was already handled."
    async with state.gate.reading():
        card_id = next((c for c in state.desk.runtime.view.cards
                        if callback_key(c) == press.card_key), None)
    if card_id is None:
        return 404, "No such card."
    actor, desk = chat_operator.actor, state.desk
    try:
        if press.action == "approve":
            decision = await state.gate.write(
                lambda: operator.approve(desk, state.desk_time(), card_id, actor))
        else:
            decision = await state.gate.write(
                lambda: operator.reject(desk, state.desk_time(), card_id, actor, REJECT_REASON))
    except ApiError as e:
        reason = e.detail or e.error
        card = state.desk.runtime.view.cards.get(card_id)
        status = card.status.lower() if card is not None else "refused"
        await _tell(hook.bot.edit(press.message_ref,
                                  f"Card {card_id} is {status}: {reason}"))
        log.info("telegram decision refused", card_id=card_id, actor=actor, reason=reason)
        return 409, reason[:200]
    decided = decision.card.status.lower()
    await _tell(hook.bot.edit(press.message_ref, outcome_text(card_id, decided, actor)))
    return 200, f"Card {decided}."


async def _tell(call: Awaitable[None]) -> None:
    """Answer or edit in the chat; the decision stands whether or not Telegram hears it."""
    try:
        await call
    except DeliveryError as e:
        log.warning("telegram answer failed", reason=e.reason)
