"""Discord's wire shapes, the other channels' configuration and the reconciliation-break
message, pure: documented payloads in, what the desk sends or refuses out."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from adapters.notify.config import NotifyConfigError, parse
from adapters.notify.discord_wire import edit_body, parse_press, result, send_body
from domain.events import ReconciliationBreak
from domain.ids import callback_key
from domain.notify import DeliveryError, Message, render

CARD = "card-acc-1-buyback-TCS-202501060000-with-a-long-tail"
KEY = "ab" * 32


def _interaction(**changes: Any) -> dict[str, Any]:
    """A MESSAGE_COMPONENT interaction as Discord documents it (a guild member pressing)."""
    base: dict[str, Any] = {
        "id": "1300000000000000001",
        "application_id": "1100000000000000001",
        "type": 3,
        "token": "aW50ZXJhY3Rpb24tdG9rZW4",
        "version": 1,
        "guild_id": "1",
        "channel_id": "3001",
        "member": {"user": {"id": "2001", "username": "asha"}, "roles": []},
        "message": {"id": "1200000000000000001", "channel_id": "3001", "content": "New card"},
        "data": {"custom_id": f"ap:{callback_key(CARD)}", "component_type": 2},
    }
    return {**base, **changes}


def test_send_body_when_the_message_names_a_card_then_it_has_approve_and_reject_buttons() -> None:
    body = send_body(Message("x" * 2500, card_id=CARD))

    [row] = body["components"]
    assert len(body["content"]) == 2000 and row["type"] == 1
    assert [(b["label"], b["style"], b["custom_id"][:3]) for b in row["components"]] == [
        ("Approve", 3, "ap:"),
        ("Reject", 4, "rj:"),
    ]
    assert all(len(b["custom_id"]) <= 100 for b in row["components"])
    assert body["allowed_mentions"] == {"parse": []}  # a thesis never pings @everyone


def test_send_body_when_no_card_then_no_buttons_and_an_edit_removes_them() -> None:
    assert "components" not in send_body(Message("KILL SWITCH tripped"))
    assert edit_body("Card approved") == {"content": "Card approved", "components": []}


@pytest.mark.parametrize(
    "interaction,user",
    [
        (_interaction(), 2001),  # in a guild channel: the presser is the member's user
        ({**_interaction(member=None), "user": {"id": "2002"}}, 2002),  # in a DM
    ],
)
def test_parse_press_when_a_button_is_pressed_then_the_press_names_user_message_and_card(
    interaction: dict[str, Any],
    user: int,
) -> None:
    press = parse_press(interaction)

    assert press is not None
    assert press.user_id == user and press.action == "approve"
    assert press.card_key == callback_key(CARD)
    assert press.message_ref == "3001:1200000000000000001"
    assert press.press_id == "1300000000000000001:aW50ZXJhY3Rpb24tdG9rZW4"


@pytest.mark.parametrize(
    "interaction",
    [
        None,
        "junk",
        {"type": 1},
        {"type": 2, "data": {"name": "cmd"}},
        _interaction(data={"custom_id": "zz:abc"}),
        _interaction(message=None),
        {k: v for k, v in _interaction().items() if k != "token"},
    ],
)
def test_parse_press_when_the_interaction_is_not_a_known_press_then_none(
    interaction: Any,
) -> None:
    assert parse_press(interaction) is None


@pytest.mark.parametrize(
    "status,payload,reason,retry_after,permanent",
    [
        (
            429,
            {"message": "You are being rate limited.", "retry_after": 1.5, "global": False},
            "discord 429: You are being rate limited.",
            1.5,
            False,
        ),
        (
            403,
            {"message": "Missing Access", "code": 50001},
            "discord 403: Missing Access (50001)",
            0.0,
            True,
        ),
        (
            401,
            {"message": "401: Unauthorized", "code": 0},
            "discord 401: 401: Unauthorized",
            0.0,
            False,
        ),  # the desk's token: fixed, then retried
        (502, None, "discord http 502: not an API answer", 0.0, False),
    ],
)
def test_result_when_discord_refuses_then_the_error_says_why_and_whether_to_retry(
    status: int,
    payload: Any,
    reason: str,
    retry_after: float,
    permanent: bool,
) -> None:
    with pytest.raises(DeliveryError) as refused:
        result(status, payload)

    assert refused.value.reason == reason
    assert (refused.value.retry_after, refused.value.permanent) == (retry_after, permanent)


def _config(text: str) -> Any:
    return parse(tomllib.loads(text))


def test_parse_when_only_discord_webhook_and_email_are_configured_then_no_telegram_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISCORD", "bot-token-very-secret")
    monkeypatch.setenv("HOOK", "hook-secret-0123456789")
    monkeypatch.setenv("SMTP", "smtp-password-secret")

    config = _config(
        f'[discord]\napplication_id = "11"\npublic_key = "{KEY}"\ntoken_env = "DISCORD"\n'
        '[webhook]\nurl = "https://hooks.example/desk"\nsecret_env = "HOOK"\n'
        'topics = ["kill_switches"]\n'
        '[email]\nhost = "smtp.example"\nsender = "desk@example.in"\nusername = "desk"\n'
        'password_env = "SMTP"\n'
        '[[operators]]\nname = "asha"\nrole = "approver"\ndiscord_user_id = "2001"\n'
        'discord_channel_id = "3001"\nemail = "asha@example.in"\n'
    )

    assert not config.telegram and config.discord is not None
    assert config.discord.token == "bot-token-very-secret"
    assert config.webhook is not None and config.webhook.topics == {"kill_switches"}
    assert config.email is not None and config.email.port == 587
    [asha] = config.operators
    assert (asha.discord_user_id, asha.discord_channel_id, asha.email) == (
        2001,
        "3001",
        "asha@example.in",
    )
    assert asha.via("discord") == "operator:asha via discord"
    shown = repr(config)
    assert "bot-token" not in shown and "hook-secret" not in shown and "smtp-pass" not in shown


@pytest.mark.parametrize(
    "text,complaint",
    [
        ("", "section is required"),
        (
            '[discord]\napplication_id = "11"\npublic_key = "nothex"\ntoken_env = "T"\n',
            "public_key",
        ),
        (
            '[discord]\napplication_id = "app"\npublic_key = "' + KEY + '"\ntoken_env = "T"\n',
            "application_id",
        ),
        ('[webhook]\nurl = "ftp://x"\nsecret_env = "T"\n', "url"),
        ('[webhook]\nurl = "https://x"\nsecret_env = "SHORT"\n', "at least 16 bytes"),
        ('[email]\nhost = "smtp"\nsender = "desk"\n', "sender"),
        ('[email]\nhost = "smtp"\nsender = "d@x"\nsecurity = "maybe"\n', "security"),
        ('[email]\nhost = "smtp"\nsender = "d@x"\nusername = "u"\n', "password"),
        (
            '[email]\nhost = "smtp"\nsender = "d@x"\n[[operators]]\nname = "a"\nemail = "nope"\n',
            "not an address",
        ),
        (
            '[email]\nhost = "smtp"\nsender = "d@x"\n[[operators]]\nname = "a"\n'
            'discord_user_id = "1"\n[[operators]]\nname = "b"\ndiscord_user_id = "1"\n',
            "unique",
        ),
    ],
)
def test_parse_when_a_channel_is_wrong_then_the_file_is_refused_saying_why(
    text: str,
    complaint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("T", "a-bot-token-long-enough")
    monkeypatch.setenv("SHORT", "short")

    with pytest.raises(NotifyConfigError, match=complaint):
        _config(text)


def test_render_when_a_reconciliation_break_is_logged_then_operators_are_told_what_differs() -> (
    None
):
    gap = ReconciliationBreak(
        break_id="b-1",
        venue="upstox",
        kind="POSITION",
        subject="TCS",
        desk_side="long 100",
        venue_side="flat",
        accounts=("sip-aggressive",),
    )

    rendered = render(gap)

    assert rendered is not None
    topic, message = rendered
    assert topic == "reconciliation" and message.card_id == ""
    assert "RECONCILIATION BREAK at upstox: POSITION TCS" in message.text
    assert "desk: long 100" in message.text and "No new entries for sip-aggressive" in message.text
