"""Telegram over the Bot API with aiohttp: send a message (a card's with Approve/Reject
buttons), edit it once decided, answer a button press. Errors become `DeliveryError`s
whose reason never contains the token (it sits in every URL)."""

from __future__ import annotations

from typing import Any

import aiohttp

from adapters.notify.telegram_wire import (
    edit_body,
    message_ref,
    parse_callback,
    result,
    send_body,
)
from domain.notify import ButtonPress, DeliveryError, Message

CHANNEL = "telegram"


class TelegramNotifier:
    """A bot at `api_base` (the real Bot API, or a local fake) using `token`."""

    channel = CHANNEL

    def __init__(self, api_base: str, token: str, timeout_seconds: float = 10.0) -> None:
        self._base = f"{api_base.rstrip('/')}/bot{token}"
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return "TelegramNotifier(<token hidden>)"

    async def call(self, method: str, body: dict[str, Any]) -> Any:
        """One Bot API method; its `result`, or `DeliveryError` with a safe reason."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(f"{self._base}/{method}", json=body) as response:
                try:
                    payload = await response.json(content_type=None)
                except ValueError:
                    payload = None
                return result(response.status, payload)
        except TimeoutError:
            raise DeliveryError(f"telegram {method}: timed out") from None
        except aiohttp.ClientError as e:  # its text may hold the URL, so only its kind
            raise DeliveryError(f"telegram {method}: {type(e).__name__}") from None

    async def send(self, chat: str, message: Message) -> str:
        """Send `message` to `chat`; the sent message as `chat:message_id`."""
        sent = await self.call("sendMessage", send_body(chat, message))
        try:
            return message_ref(sent["chat"]["id"], sent["message_id"])
        except (KeyError, TypeError):
            raise DeliveryError("telegram sendMessage: no message_id in the answer") from None

    async def edit(self, message_id: str, text: str) -> None:
        """Show `text` instead of the message's, without buttons."""
        await self.call("editMessageText", edit_body(message_id, text))

    def read_press(self, update: object) -> ButtonPress | None:
        """The button press in a webhook Update, or None for anything else."""
        return parse_callback(update)

    async def answer(self, callback_id: str, text: str) -> None:
        """Stop the client's spinner on a button press, showing `text` (≤ 200 chars)."""
        await self.call("answerCallbackQuery",
                        {"callback_query_id": callback_id, "text": text[:200]})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
