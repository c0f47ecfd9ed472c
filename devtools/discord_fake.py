"""A local fake of the Discord HTTP API for tests, demos and benches (aiohttp, 127.0.0.1,
an OS-chosen port), speaking the documented wire format under `/api/v10`:

- `POST /channels/{id}/messages` (bot token in `Authorization: Bot …`), content ≤ 2000
  characters, buttons in action rows with `custom_id` ≤ 100 characters;
- `PATCH /channels/{id}/messages/{id}` (edit: new content and components);
- `POST /webhooks/{application_id}/{interaction_token}` (an interaction's follow-up; the
  token is the interaction's, no bot token).

Errors come as Discord sends them, `{"message", "code"}` (429 adds `retry_after`). It keeps
every channel's messages as a user would see them and can play an outage (`fail_next`:
503s, then recovery) or a blocked channel (403 Missing Access for good).

`DiscordUser` is the other side: it presses a message's buttons by POSTing the
interaction Discord would send to the desk's interactions endpoint, signed with an
Ed25519 key made by the caller (the application's key; its public half goes in the desk's
configuration).

`python -m devtools.discord_fake [PORT]` runs it on loopback for a manual try: it prints
the application's public key (made at start) and every message with its buttons, and
`POST /_press?hook=URL&message=ID&user=ID&action=ap|rj` on it presses a button as that
user, signed, and answers with what the desk's endpoint said.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from devtools.service import serve_loopback

DEFAULT_TOKEN = "fake-discord-bot-token"
APPLICATION_ID = "1100000000000000001"
PREFIX = "/api/v10"


@dataclass
class ChannelMessage:
    """A message as the channel shows it: its content and buttons (custom_id per button)."""

    channel_id: str
    message_id: str
    content: str
    buttons: list[str] = field(default_factory=list)
    edits: int = 0
    accepted_at: float = field(default_factory=time.perf_counter)  # for benches


def _error(status: int, message: str, code: int = 0) -> web.Response:
    return web.json_response({"message": message, "code": code}, status=status)


def _limited() -> web.Response:
    return web.json_response(
        {"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
        status=429,
    )


def _buttons(components: Any) -> list[str] | None:
    """The custom_ids of a message's buttons, or None when the components are malformed."""
    found: list[str] = []
    for row in components or []:
        if not isinstance(row, dict) or row.get("type") != 1:
            return None
        for button in row.get("components", []):
            custom_id = str(button.get("custom_id", ""))
            if button.get("type") != 2 or not 1 <= len(custom_id) <= 100:
                return None
            found.append(custom_id)
    return found


class FakeDiscordApi:
    """The fake; `await start()` returns its API base (give it as the bot's api_base)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        application_id: str = APPLICATION_ID,
        *,
        press_key: Ed25519PrivateKey | None = None,
    ) -> None:
        self.token = token
        self.press_key = press_key  # serve /_press, signing with it (python -m …)
        self.application_id = application_id
        self.base_url = ""
        self.messages: dict[str, ChannelMessage] = {}
        self.followups: list[dict[str, Any]] = []
        self.interaction_tokens: set[str] = set()  # issued by `DiscordUser.interaction`
        self.requests = 0
        self.failing = 0
        self.limited = 0
        self.blocked: set[str] = set()  # channels the bot lost access to (403 for good)
        self._ids = itertools.count(1_200_000_000_000_000_001)
        self._runner: web.AppRunner | None = None

    def snowflake(self) -> str:
        """A new id, as Discord's snowflakes grow (messages and interactions alike)."""
        return str(next(self._ids))

    def fail_next(self, count: int) -> None:
        """Answer the next `count` bot calls 503 (an outage), then serve again."""
        self.failing = count

    def rate_limit_next(self, count: int) -> None:
        """Answer the next `count` bot calls 429 with a short `retry_after`."""
        self.limited = count

    def channel(self, channel_id: str) -> list[ChannelMessage]:
        """A channel's messages, oldest first."""
        return [m for m in self.messages.values() if m.channel_id == channel_id]

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post(PREFIX + "/channels/{channel}/messages", self._create)
        app.router.add_patch(PREFIX + "/channels/{channel}/messages/{message}", self._edit)
        app.router.add_post(PREFIX + "/webhooks/{application}/{token}", self._followup)
        if self.press_key is not None:
            app.router.add_post("/_press", self._press)
        self._runner, port = await serve_loopback(app, port)
        self.base_url = f"http://127.0.0.1:{port}{PREFIX}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _bot_call(self, request: web.Request) -> dict[str, Any] | web.Response:
        """The call's JSON body, or the error Discord would answer instead."""
        self.requests += 1
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, "401: Unauthorized")
        if self.failing > 0:
            self.failing -= 1
            return _error(503, "Service Unavailable")
        if self.limited > 0:
            self.limited -= 1
            return _limited()
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "400: Bad Request", 50109)
        if request.match_info["channel"] in self.blocked:
            return _error(403, "Missing Access", 50001)
        return body if isinstance(body, dict) else _error(400, "400: Bad Request", 50109)

    async def _create(self, request: web.Request) -> web.Response:
        body = await self._bot_call(request)
        if isinstance(body, web.Response):
            return body
        content, buttons = str(body.get("content", "")), _buttons(body.get("components"))
        if not content or len(content) > 2000 or buttons is None:
            return _error(400, "Invalid Form Body", 50035)
        channel_id, message_id = request.match_info["channel"], self.snowflake()
        self.messages[message_id] = ChannelMessage(channel_id, message_id, content, buttons)
        if self.press_key is not None:
            print(
                f"channel {channel_id} message {message_id}: {content.splitlines()[0]} "
                f"{' '.join(buttons)}".rstrip(),
                flush=True,
            )
        return web.json_response(
            {
                "id": message_id,
                "channel_id": channel_id,
                "content": content,
                "components": body.get("components", []),
            }
        )

    async def _edit(self, request: web.Request) -> web.Response:
        body = await self._bot_call(request)
        if isinstance(body, web.Response):
            return body
        message = self.messages.get(request.match_info["message"])
        if message is None or message.channel_id != request.match_info["channel"]:
            return _error(404, "Unknown Message", 10008)
        buttons = _buttons(body.get("components"))
        if buttons is None:
            return _error(400, "Invalid Form Body", 50035)
        message.content, message.buttons = str(body.get("content", message.content)), buttons
        message.edits += 1
        if self.press_key is not None:
            print(
                f"channel {message.channel_id} message {message.message_id} edited: "
                f"{message.content.splitlines()[0]}",
                flush=True,
            )
        return web.json_response(
            {"id": message.message_id, "channel_id": message.channel_id, "content": message.content}
        )

    async def _followup(self, request: web.Request) -> web.Response:
        if (
            request.match_info["application"] != self.application_id
            or request.match_info["token"] not in self.interaction_tokens
        ):
            return _error(404, "Unknown Webhook", 10015)
        body = await request.json()
        self.followups.append(body)
        if self.press_key is not None:
            print(f"follow-up to the presser: {body.get('content', '')}", flush=True)
        return web.json_response({"id": self.snowflake(), **body})

    async def _press(self, request: web.Request) -> web.Response:
        """Press a button as a user, signed with `press_key`: the desk's answer."""
        assert self.press_key is not None
        query = request.query
        message = self.messages.get(query.get("message", ""))
        action = query.get("action", "ap")
        if message is None or not query.get("hook"):
            return web.json_response({"error": "give hook= and an existing message="}, status=400)
        custom_id = next((c for c in message.buttons if c.startswith(action)), f"{action}:x")
        user = DiscordUser(self, self.press_key, int(query.get("user", "0")))
        status, answer = await user.post(query["hook"], user.interaction(message, custom_id))
        return web.json_response({"desk_status": status, "desk_answer": answer})


class DiscordUser:
    """Presses buttons the way Discord reports them: a signed interaction POSTed to the
    desk's endpoint. `key` is the application's signing key (made by the test)."""

    def __init__(self, api: FakeDiscordApi, key: Ed25519PrivateKey, user_id: int) -> None:
        self.api = api
        self.key = key
        self.user_id = user_id

    @staticmethod
    def public_key_hex(key: Ed25519PrivateKey) -> str:
        """The application public key the desk verifies with (64 hex)."""
        return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def interaction(self, message: ChannelMessage, custom_id: str) -> dict[str, Any]:
        """The MESSAGE_COMPONENT interaction for pressing `custom_id` on `message`."""
        token = secrets.token_urlsafe(24)
        self.api.interaction_tokens.add(token)
        return {
            "id": self.api.snowflake(),
            "application_id": self.api.application_id,
            "type": 3,
            "token": token,
            "version": 1,
            "guild_id": "1",
            "channel_id": message.channel_id,
            "member": {"user": {"id": str(self.user_id), "username": f"u{self.user_id}"}},
            "message": {
                "id": message.message_id,
                "channel_id": message.channel_id,
                "content": message.content,
            },
            "data": {"custom_id": custom_id, "component_type": 2},
        }

    def ping(self) -> dict[str, Any]:
        """The PING Discord sends when the endpoint URL is saved."""
        return {
            "id": self.api.snowflake(),
            "application_id": self.api.application_id,
            "type": 1,
            "token": secrets.token_urlsafe(24),
            "version": 1,
        }

    def headers(
        self, body: bytes, timestamp: int | None = None, key: Ed25519PrivateKey | None = None
    ) -> dict[str, str]:
        """The signature headers of `body` (signed with `key`, this user's by default)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = (key or self.key).sign(stamp.encode() + body).hex()
        return {
            "X-Signature-Ed25519": signature,
            "X-Signature-Timestamp": stamp,
            "Content-Type": "application/json",
        }

    async def post(
        self,
        url: str,
        interaction: dict[str, Any],
        *,
        timestamp: int | None = None,
        key: Ed25519PrivateKey | None = None,
        body: bytes | None = None,
    ) -> tuple[int, Any]:
        """POST the interaction signed (or `body` as given, under the same signature);
        the endpoint's status and JSON answer."""
        signed = json.dumps(interaction).encode()
        headers = self.headers(signed, timestamp, key)
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                url, data=body if body is not None else signed, headers=headers
            ) as response,
        ):
            return response.status, await response.json(content_type=None)


async def _serve(port: int) -> None:
    key = Ed25519PrivateKey.generate()
    fake = FakeDiscordApi(press_key=key)
    base = await fake.start(port)
    print(
        f"fake Discord API at {base} (bot token {fake.token}, application "
        f"{fake.application_id}, public key {DiscordUser.public_key_hex(key)})",
        flush=True,
    )
    await asyncio.Event().wait()


def main() -> None:
    """`python -m devtools.discord_fake [PORT]`: the fake on loopback, printing messages."""
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(port))


if __name__ == "__main__":
    main()
