"""The Telegram Bot API's shapes, pure: request bodies the desk sends and the updates and
answers it reads back (core.telegram.org/bots/api). Tested against documented payloads."""

from __future__ import annotations

from typing import Any

from domain.ids import callback_key
from domain.notify import ButtonPress, DeliveryError, Message

MAX_TEXT = 4096  # sendMessage text limit, in characters
MAX_CALLBACK_DATA = 64  # bytes
ACTIONS = {"ap": "approve", "rj": "reject"}
# Refusals about this chat or this message: asking again cannot help. 401 (a bad token)
# is not among them: it is the desk's configuration, fixed by a restart, then retried.
PERMANENT = frozenset({400, 403})


def send_body(chat_id: str, message: Message) -> dict[str, Any]:
    """A `sendMessage` body; a card's message gets an inline Approve/Reject keyboard."""
    body: dict[str, Any] = {"chat_id": chat_id, "text": message.text[:MAX_TEXT]}
    if message.card_id:
        key = callback_key(message.card_id)
        body["reply_markup"] = {"inline_keyboard": [[
            {"text": "Approve", "callback_data": f"ap:{key}"},
            {"text": "Reject", "callback_data": f"rj:{key}"},
        ]]}
    return body


def message_ref(chat_id: int | str, message_id: int | str) -> str:
    """How the desk names a sent message: `chat:message_id`."""
    return f"{chat_id}:{message_id}"


def edit_body(ref: str, text: str) -> dict[str, Any]:
    """An `editMessageText` body; without `reply_markup` the buttons are removed."""
    chat_id, _, message_id = ref.partition(":")
    return {"chat_id": chat_id, "message_id": int(message_id), "text": text[:MAX_TEXT]}


def result(status: int, payload: Any) -> Any:
    """The `result` of a Bot API answer, or `DeliveryError` naming why not (the error
    code and description; 429 carries `retry_after`)."""
    if isinstance(payload, dict) and payload.get("ok") is True and status == 200:
        return payload.get("result")
    if not isinstance(payload, dict):
        raise DeliveryError(f"http {status}: not a Bot API answer")
    code = payload.get("error_code", status)
    description = str(payload.get("description", ""))[:200]
    params = payload.get("parameters") or {}
    retry_after = float(params.get("retry_after", 0)) if isinstance(params, dict) else 0.0
    raise DeliveryError(f"telegram {code}: {description}".rstrip(": "), retry_after,
                        permanent=code in PERMANENT)


def parse_callback(update: Any) -> ButtonPress | None:
    """The button press in an Update, or None when the update is anything else or
    malformed (a stranger's junk never raises)."""
    if not isinstance(update, dict):
        return None
    query = update.get("callback_query")
    if not isinstance(query, dict):
        return None
    try:
        data = str(query["data"])
        prefix, _, key = data.partition(":")
        message = query["message"]
        return ButtonPress(str(query["id"]), int(query["from"]["id"]),
                        message_ref(message["chat"]["id"], message["message_id"]),
                        ACTIONS[prefix], key)
    except (KeyError, TypeError, ValueError):
        return None
