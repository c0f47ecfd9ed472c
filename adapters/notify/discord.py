"""Discord over its HTTP API with aiohttp, as a bot: the messages are application-owned
(Discord only delivers button presses for those), a card's with Approve/Reject buttons;
edited once decided; a press answered with a follow-up only the presser sees. Errors
become `DeliveryError`s whose reason never holds the bot token or an interaction token."""

from __future__ import annotations

from typing import Any

import aiohttp

from adapters.notify.discord_wire import (
    created,
    edit_body,
    followup_body,
    interaction_token,
    message_ref,
    parse_press,
    result,
    send_body,
    split_ref,
)
from domain.notify import ButtonPress, DeliveryError, Message

CHANNEL = "discord"
DEFAULT_API_BASE = "https://discord.com/api/v10"


class DiscordNotifier:
    """The bot `token` of application `application_id` at `api_base` (or a local fake)."""

    channel = CHANNEL

    def __init__(
        self, api_base: str, token: str, application_id: str, timeout_seconds: float = 10.0
    ) -> None:
        self._base = api_base.rstrip("/")
        self._headers = {"Authorization": f"Bot {token}"}
        self._application_id = application_id
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"DiscordNotifier({self._base}, <token hidden>)"

    async def call(
        self, verb: str, path: str, body: dict[str, Any], what: str, *, as_bot: bool = True
    ) -> tuple[int, Any]:
        """One API call; (status, JSON or None), or `DeliveryError` on no answer."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = self._headers if as_bot else {}  # interaction webhooks use their token
        try:
            async with self._session.request(
                verb, f"{self._base}{path}", json=body, headers=headers
            ) as response:
                try:
                    payload = await response.json(content_type=None)
                except ValueError:
                    payload = None
                return response.status, payload
        except TimeoutError:
            raise DeliveryError(f"discord {what}: timed out") from None
        except aiohttp.ClientError as e:  # its text may hold a URL with a token
            raise DeliveryError(f"discord {what}: {type(e).__name__}") from None

    async def send(self, chat: str, message: Message) -> str:
        """Post `message` in channel `chat`; the sent message as `channel:message_id`."""
        status, payload = await self.call(
            "POST", f"/channels/{chat}/messages", send_body(message), "create message"
        )
        return message_ref(chat, created(status, payload))

    async def edit(self, message_id: str, text: str) -> None:
        """Show `text` instead of the message's, without buttons."""
        channel_id, message = split_ref(message_id)
        status, payload = await self.call(
            "PATCH", f"/channels/{channel_id}/messages/{message}", edit_body(text), "edit message"
        )
        result(status, payload)

    def read_press(self, update: object) -> ButtonPress | None:
        """The button press in an interaction, or None for anything else."""
        return parse_press(update)

    async def answer(self, press_id: str, text: str) -> None:
        """Tell the presser how it went, in a follow-up only they see (the interaction's
        token is valid 15 minutes)."""
        token = interaction_token(press_id)
        status, payload = await self.call(
            "POST",
            f"/webhooks/{self._application_id}/{token}",
            followup_body(text),
            "follow-up",
            as_bot=False,
        )
        result(status, payload)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
