"""A local fake of the Telegram Bot API for tests, demos and benches (aiohttp, 127.0.0.1,
an OS-chosen port), speaking the documented wire format: `POST /bot<token>/<method>` with a
JSON body, answered `{"ok": true, "result": …}` or `{"ok": false, "error_code", "description"}`.

It implements what the desk uses (`sendMessage` with an inline keyboard, `editMessageText`,
`answerCallbackQuery`, `setWebhook`), checks the token and Telegram's limits (text ≤ 4096
characters, callback_data 1-64 bytes), keeps every chat's messages as a user would see
them, and can play an outage (`fail_next`: 500s, then recovery). `press` sends a button
press to a webhook as Telegram does, with the `X-Telegram-Bot-Api-Secret-Token` header.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_TOKEN = "123456:fake-bot-token"


@dataclass
class ChatMessage:
    """A message as the chat shows it: its text and buttons (callback data per button)."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[str] = field(default_factory=list)
    edits: int = 0
    accepted_at: float = field(default_factory=time.perf_counter)  # for benches


def _fail(code: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description},
                             status=code)


class FakeBotApi:
    """The fake; `await start()` returns its base URL (give it as the bot's api_base)."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, echo: bool = False) -> None:
        self.token = token
        self.echo = echo  # print each message sent, with its buttons (python -m …)
        self.base_url = ""
        self.messages: dict[tuple[int, int], ChatMessage] = {}
        self.answers: list[dict[str, Any]] = []
        self.requests = 0
        self.failing = 0
        self.blocked: set[int] = set()  # chats whose user blocked the bot (403 for good)
        self.webhook: dict[str, Any] = {}
        self._ids = itertools.count(1)
        self._updates = itertools.count(1)
        self._runner: web.AppRunner | None = None

    def fail_next(self, count: int) -> None:
        """Answer the next `count` calls 500 (an outage), then serve again."""
        self.failing = count

    def chat(self, chat_id: int) -> list[ChatMessage]:
        """A chat's messages, oldest first."""
        return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _method(self, request: web.Request) -> web.Response:
        self.requests += 1
        if request.match_info["token"] != self.token:
            return _fail(401, "Unauthorized")
        if self.failing > 0:
            self.failing -= 1
            return _fail(500, "Internal Server Error")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _fail(400, "Bad Request: can't parse JSON")
        handler = {"sendMessage": self._send, "editMessageText": self._edit,
                   "answerCallbackQuery": self._answer,
                   "setWebhook": self._set_webhook}.get(request.match_info["method"])
        if handler is None:
            return _fail(404, "Not Found")
        return handler(body)

    def _send(self, body: dict[str, Any]) -> web.Response:
        text = str(body.get("text", ""))
        if not text or len(text) > 4096:
            return _fail(400, "Bad Request: message text is empty or too long")
        buttons = [b.get("callback_data", "") for row in
                   (body.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if any(not 1 <= len(d.encode()) <= 64 for d in buttons):
            return _fail(400, "Bad Request: BUTTON_DATA_INVALID")
        chat_id = int(body["chat_id"])
        if chat_id in self.blocked:
            return _fail(403, "Forbidden: bot was blocked by the user")
        message_id = next(self._ids)
        self.messages[chat_id, message_id] = ChatMessage(chat_id, message_id, text, buttons)
        if self.echo:
            print(f"chat {chat_id} message {message_id}: {text.splitlines()[0]} "
                  f"{' '.join(buttons)}".rstrip(), flush=True)
        return web.json_response({"ok": True, "result": {
            "message_id": message_id, "chat": {"id": chat_id, "type": "private"},
            "date": 0, "text": text}})

    def _edit(self, body: dict[str, Any]) -> web.Response:
        message = self.messages.get((int(body["chat_id"]), int(body["message_id"])))
        if message is None:
            return _fail(400, "Bad Request: message to edit not found")
        message.text = str(body.get("text", ""))
        message.buttons = [b.get("callback_data", "") for row in
                           (body.get("reply_markup") or {}).get("inline_keyboard", [])
                           for b in row]
        message.edits += 1
        return web.json_response({"ok": True, "result": {
            "message_id": message.message_id, "chat": {"id": message.chat_id},
            "text": message.text}})

    def _answer(self, body: dict[str, Any]) -> web.Response:
        self.answers.append(body)
        return web.json_response({"ok": True, "result": True})

    def _set_webhook(self, body: dict[str, Any]) -> web.Response:
        self.webhook = body
        return web.json_response({"ok": True, "result": True})

    def update(self, user_id: int, message: ChatMessage, data: str,
               callback_id: str | None = None) -> dict[str, Any]:
        """The Update Telegram sends when `user_id` presses the button with `data`."""
        number = next(self._updates)
        return {"update_id": number, "callback_query": {
            "id": callback_id or f"cb-{number}",
            "from": {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"},
            "message": {"message_id": message.message_id,
                        "chat": {"id": message.chat_id, "type": "private"},
                        "date": 0, "text": message.text},
            "chat_instance": "1", "data": data}}

    @staticmethod
    async def press(url: str, secret: str, update: dict[str, Any]) -> tuple[int, Any]:
        """POST `update` to a webhook as Telegram does; its status and JSON answer."""
        async with aiohttp.ClientSession() as session, session.post(
            url, json=update, headers={SECRET_HEADER: secret}) as response:
            return response.status, await response.json(content_type=None)


async def _serve(port: int) -> None:
    fake = FakeBotApi(echo=True)
    print(f"fake Telegram Bot API at {await fake.start(port)} (token {fake.token})", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    """`python -m devtools.telegram_fake [PORT]`: the fake on loopback, printing messages."""
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(port))


if __name__ == "__main__":
    main()
