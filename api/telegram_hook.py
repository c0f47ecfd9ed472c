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
from dataclasses import dataclass, field

import structlog
from aiohttp import web

from api.chat_decision import PressLog, decide, refusal, tell
from api.context import STATE, ApiState
from domain.notify import ButtonPress, ChatOperator
from streams.ports import ChatBot

log = structlog.get_logger("eventdesk.telegram")

PATH = "/hooks/telegram"
CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REJECT_REASON = "rejected from a Telegram message"


@dataclass
class TelegramHook:
    """The webhook's bot, its operators and secret, and the presses already handled."""

    bot: ChatBot
    operators: tuple[ChatOperator, ...]
    secret: str = field(repr=False)
    presses: PressLog = field(default_factory=PressLog)

    def first_time(self, callback_id: str) -> bool:
        """Whether this press is new (remembering it); a replayed press is not."""
        return self.presses.first_time(callback_id)

    def operator(self, user_id: int) -> ChatOperator | None:
        """The desk operator a chat user is, or None for a stranger."""
        return next((o for o in self.operators
                     if user_id and o.telegram_user_id == user_id), None)


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
    await tell(hook.bot.answer(press.press_id, text))
    return web.json_response({"ok": status == 200, "reason": text}, status=status)


async def _decide(state: ApiState, hook: TelegramHook, press: ButtonPress
                  ) -> tuple[int, str]:
    """Run the press as its operator's command; (HTTP status, what the presser is told)."""
    chat_operator = hook.operator(press.user_id)
    refused = refusal(chat_operator, CHANNEL, press.user_id)
    if refused is not None:
        return refused
    assert chat_operator is not None  # refusal() refuses a stranger
    if not hook.first_time(press.press_id):
        log.warning("telegram press refused", reason="replayed", operator=chat_operator.name)
        return 409, "This press was already handled."
    return await decide(state, hook.bot, chat_operator, press, CHANNEL, REJECT_REASON)
