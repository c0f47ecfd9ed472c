"""Approve or reject a card from a Discord message: the application's interactions endpoint.

Discord signs every interaction with the application's Ed25519 key: `X-Signature-Ed25519`
(hex) over `X-Signature-Timestamp` + the raw body. A body that does not verify is refused
401 before it is parsed (Discord probes the endpoint with bad signatures), and so is a
timestamp older than `FRESH_SECONDS` or an interaction already handled: a captured request
cannot be sent again. PING is answered PONG. A button press must be answered within 3 s,
so an allowed press is answered at once with a deferred update (the spinner stops), then
decided on the API's command path (`api.chat_decision`), recorded as
`operator:<name> via discord`; the message is edited to show the outcome, its buttons
gone, and the presser gets a follow-up only they see. A stranger, or an operator whose
role may not decide, is told so in a reply only they see, and nothing is decided.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.chat_decision import PressLog, PressMemory, decide, refusal, tell
from api.context import STATE, ApiState
from domain.notify import ButtonPress, ChatOperator
from streams.ports import ChatBot

log = structlog.get_logger("eventdesk.discord")

PATH = "/hooks/discord"
CHANNEL = "discord"
SIGNATURE_HEADER = "X-Signature-Ed25519"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
FRESH_SECONDS = 300
REMEMBER_SECONDS = 900  # past it, a replay's signed timestamp is stale whatever the skew
REJECT_REASON = "rejected from a Discord message"
PING, PONG, CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE = 1, 1, 4, 6
EPHEMERAL = 64


@dataclass
class DiscordHook:
    """The endpoint's bot, the application's public key, its operators, the presses
    already handled and the decisions still running."""

    bot: ChatBot
    operators: tuple[ChatOperator, ...]
    public_key: Ed25519PublicKey
    now: Callable[[], float] = time.time
    presses: PressMemory = field(default_factory=PressLog)
    running: set[asyncio.Task[None]] = field(default_factory=set)

    def operator(self, user_id: int) -> ChatOperator | None:
        """The desk operator a Discord user is, or None for a stranger."""
        return next((o for o in self.operators if user_id and o.discord_user_id == user_id), None)

    def verified(self, timestamp: str, signature: str, body: bytes) -> str:
        """Why the request is refused ("" when it verifies and is fresh)."""
        try:
            self.public_key.verify(bytes.fromhex(signature), timestamp.encode() + body)
        except (InvalidSignature, ValueError):
            return "invalid request signature"
        try:
            fresh = abs(self.now() - int(timestamp)) <= FRESH_SECONDS
        except ValueError:
            fresh = False
        return "" if fresh else "stale request timestamp"


HOOK = web.AppKey("eventdesk_discord", DiscordHook)


def mount(
    app: web.Application,
    bot: ChatBot,
    operators: tuple[ChatOperator, ...],
    public_key_hex: str,
    now: Callable[[], float] = time.time,
    presses: PressMemory | None = None,
) -> None:
    """Serve the interactions endpoint at `PATH` on the API's application; `presses`
    remembers handled interactions (default: in memory, forgotten on restart)."""
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
    memory = presses if presses is not None else PressLog()
    app[HOOK] = DiscordHook(bot, operators, key, now, memory)
    app.router.add_post(PATH, discord_interaction, name="discordInteraction")
    app.on_cleanup.append(_finish_decisions)


async def _finish_decisions(app: web.Application) -> None:
    running = app[HOOK].running
    if running:
        await asyncio.gather(*running, return_exceptions=True)


def _reply(text: str) -> web.Response:
    """A reply to the interaction only the presser sees."""
    return web.json_response(
        {"type": CHANNEL_MESSAGE, "data": {"content": text, "flags": EPHEMERAL}}
    )


async def discord_interaction(request: web.Request) -> web.Response:
    """One interaction from Discord: PING, or a button press becoming a decision."""
    hook = request.app[HOOK]
    body = await request.read()
    why = hook.verified(
        request.headers.get(TIMESTAMP_HEADER, ""), request.headers.get(SIGNATURE_HEADER, ""), body
    )
    if why:
        log.warning("discord interaction refused", reason=why)
        return web.json_response({"error": why}, status=401)
    try:
        interaction: Any = json.loads(body)
    except ValueError:
        return web.json_response({"error": "not JSON"}, status=400)
    if isinstance(interaction, dict) and interaction.get("type") == PING:
        return web.json_response({"type": PONG})
    press = hook.bot.read_press(interaction)
    if press is None:
        return _reply("This desk only answers its Approve and Reject buttons.")
    if not hook.presses.first_time(press.press_id.partition(":")[0]):
        log.warning("discord interaction refused", reason="replayed")
        return web.json_response({"error": "interaction already handled"}, status=409)
    chat_operator = hook.operator(press.user_id)
    refused = refusal(chat_operator, CHANNEL, press.user_id)
    if refused is not None:
        return _reply(refused[1])
    assert chat_operator is not None  # refusal() refuses a stranger
    task = asyncio.create_task(_decide(request.app[STATE], hook, chat_operator, press))
    hook.running.add(task)
    task.add_done_callback(hook.running.discard)
    return web.json_response({"type": DEFERRED_UPDATE_MESSAGE})


async def _decide(
    state: ApiState, hook: DiscordHook, chat_operator: ChatOperator, press: ButtonPress
) -> None:
    """After the deferred answer: decide, edit the message, tell the presser."""
    try:
        _, text = await decide(state, hook.bot, chat_operator, press, CHANNEL, REJECT_REASON)
    except Exception:  # the desk never loses its endpoint to one press
        log.exception("discord decision failed", operator=chat_operator.name)
        text = "The desk could not decide this card; try the console."
    await tell(hook.bot.answer(press.press_id, text))
