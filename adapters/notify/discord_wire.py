"""The Discord HTTP API's shapes, pure: the bot's message bodies (a card's with Approve and
Reject buttons), the interactions Discord posts back, and its error answers
(discord.com/developers/docs: message components, receiving and responding to
interactions). Tested against documented payloads."""

from __future__ import annotations

from typing import Any

from domain.ids import callback_key
from domain.notify import ButtonPress, DeliveryError, Message

MAX_CONTENT = 2000  # characters of a message's content
MAX_CUSTOM_ID = 100  # characters of a button's custom_id
ACTIONS = {"ap": "approve", "rj": "reject"}
ACTION_ROW, BUTTON = 1, 2  # component types
SUCCESS, DANGER = 3, 4  # button styles (green, red)
PING, MESSAGE_COMPONENT = 1, 3  # interaction types
PONG, DEFERRED_UPDATE_MESSAGE, CHANNEL_MESSAGE = 1, 6, 4  # interaction response types
EPHEMERAL = 64  # message flag: only the presser sees it
# Refusals about this channel or this message (bad body, no access, unknown channel):
# asking again cannot help. 401 (a bad token) is the desk's configuration: retried.
PERMANENT = frozenset({400, 403, 404})


def send_body(message: Message) -> dict[str, Any]:
    """A create-message body; a card's message gets an action row of Approve/Reject."""
    body: dict[str, Any] = {
        "content": message.text[:MAX_CONTENT],
        "allowed_mentions": {"parse": []},
    }
    if message.card_id:
        key = callback_key(message.card_id)
        body["components"] = [
            {
                "type": ACTION_ROW,
                "components": [
                    {
                        "type": BUTTON,
                        "style": SUCCESS,
                        "label": "Approve",
                        "custom_id": f"ap:{key}",
                    },
                    {"type": BUTTON, "style": DANGER, "label": "Reject", "custom_id": f"rj:{key}"},
                ],
            }
        ]
    return body


def edit_body(text: str) -> dict[str, Any]:
    """An edit-message body: the new content, the buttons removed."""
    return {"content": text[:MAX_CONTENT], "components": []}


def followup_body(text: str) -> dict[str, Any]:
    """A follow-up only the presser sees (how their press went)."""
    return {"content": text[:MAX_CONTENT], "flags": EPHEMERAL}


def message_ref(channel_id: str, message_id: str) -> str:
    """How the desk names a sent message: `channel:message_id`."""
    return f"{channel_id}:{message_id}"


def split_ref(ref: str) -> tuple[str, str]:
    """(channel id, message id) of a `message_ref`."""
    channel_id, _, message_id = ref.partition(":")
    return channel_id, message_id


def press_id(interaction_id: str, token: str) -> str:
    """A press's id as the desk passes it around: the interaction's id and its token
    (needed for the follow-up), both covered by Discord's signature."""
    return f"{interaction_id}:{token}"


def interaction_token(press: str) -> str:
    """The interaction token inside a `press_id`."""
    return press.partition(":")[2]


def created(status: int, payload: Any) -> str:
    """The id of the message a create call made, or `DeliveryError` naming why not."""
    answer = result(status, payload)
    if not isinstance(answer, dict) or not answer.get("id"):
        raise DeliveryError("discord create message: no id in the answer")
    return str(answer["id"])


def result(status: int, payload: Any) -> Any:
    """The JSON of a successful answer, or `DeliveryError` with Discord's code and message
    (429 carries `retry_after`)."""
    if 200 <= status < 300:
        return payload
    if not isinstance(payload, dict):
        raise DeliveryError(f"discord http {status}: not an API answer")
    message = str(payload.get("message", ""))[:200]
    code = payload.get("code", "")
    retry_after = payload.get("retry_after", 0)
    retry = float(retry_after) if isinstance(retry_after, int | float) else 0.0
    named = f" ({code})" if code else ""
    raise DeliveryError(
        f"discord {status}: {message}{named}".rstrip(": "), retry, permanent=status in PERMANENT
    )


def parse_press(interaction: Any) -> ButtonPress | None:
    """The button press in an interaction, or None for anything else or malformed (a
    stranger's junk never raises)."""
    if not isinstance(interaction, dict) or interaction.get("type") != MESSAGE_COMPONENT:
        return None
    try:
        user = (interaction.get("member") or {}).get("user") or interaction["user"]
        prefix, _, key = str(interaction["data"]["custom_id"]).partition(":")
        message = interaction["message"]
        return ButtonPress(
            press_id(str(interaction["id"]), str(interaction["token"])),
            int(user["id"]),
            message_ref(str(message["channel_id"]), str(message["id"])),
            ACTIONS[prefix],
            key,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
