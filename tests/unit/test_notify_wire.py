"""The pure side of notifications: what operators are told, the Telegram wire shapes
(documented request bodies, answers and Updates), and the notifications file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from adapters.notify.config import NotifyConfigError, load, parse
from adapters.notify.telegram_wire import edit_body, parse_callback, result, send_body
from domain.events import CardReviewed, InputRejected, KillSwitchTripped, PositionClosed
from domain.ids import callback_key
from domain.notify import DeliveryError, Message, render
from domain.values import Leg
from tests.unit.conftest import D, fill, proposal

LONG_CARD = "card-income-conservative-buyback-BAJAJ-AUTO-20261120-and-then-some-more"


def test_render_when_a_card_is_proposed_then_the_message_names_the_trade_and_the_card() -> None:
    topic, message = render(proposal(), "support (0.8)") or ("", Message(""))

    assert topic == "cards" and message.card_id == "card-1"
    for part in ("BUY 100 TCS", "Entry 500 · stop 490 · target 530", "buyback announced",
                 "Judge: support (0.8)", "Expires 06 Jan 10:00 IST"):
        assert part in message.text


def test_render_when_an_event_is_not_notifiable_then_nothing_is_sent() -> None:
    rejected = InputRejected(source="wire", reason="bad", raw="{")

    assert render(rejected) is None


def test_render_when_a_kill_switch_trips_then_the_message_has_no_buttons() -> None:
    tripped = KillSwitchTripped(scope="desk", reason="daily loss", metric="daily_pnl",
                                value=D("-5000"), limit=D("-4000"))

    topic, message = render(tripped) or ("", Message(""))

    assert topic == "kill_switches" and message.card_id == ""
    assert "KILL SWITCH tripped for desk: daily loss" in message.text


def test_send_body_when_the_card_id_is_long_then_callback_data_stays_within_64_bytes() -> None:
    body = send_body("1111", Message("text", card_id=LONG_CARD))

    buttons = body["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Approve", "Reject"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    assert buttons[0]["callback_data"] == f"ap:{callback_key(LONG_CARD)}"


def test_edit_body_when_a_card_is_decided_then_the_buttons_are_removed() -> None:
    assert edit_body("1111:42", "done") == {"chat_id": "1111", "message_id": 42, "text": "done"}


@pytest.mark.parametrize("status,answer,reason,retry_after,permanent", [
    (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
           "parameters": {"retry_after": 7}}, "telegram 429: Too Many Requests: retry after 7",
     7.0, False),
    (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the "
           "user"}, "telegram 403: Forbidden: bot was blocked by the user", 0.0, True),
    (401, {"ok": False, "error_code": 401, "description": "Unauthorized"},
     "telegram 401: Unauthorized", 0.0, False),  # the desk's token: fix it, then retried
    (502, "<html>bad gateway</html>", "http 502: not a Bot API answer", 0.0, False),
])
def test_result_when_the_bot_api_refuses_then_the_reason_is_named(
    status: int, answer: Any, reason: str, retry_after: float, permanent: bool,
) -> None:
    with pytest.raises(DeliveryError) as refused:
        result(status, answer)

    assert refused.value.reason == reason and refused.value.retry_after == retry_after
    assert refused.value.permanent == permanent


def test_parse_callback_when_a_button_is_pressed_then_who_what_and_where_are_read() -> None:
    update = {"update_id": 9, "callback_query": {
        "id": "4382bfdwdsb323b2d9", "from": {"id": 1111, "is_bot": False, "first_name": "A"},
        "message": {"message_id": 42, "chat": {"id": -100, "type": "group"}, "date": 0},
        "chat_instance": "x", "data": "rj:abc"}}

    press = parse_callback(update)

    assert press is not None and (press.user_id, press.message_ref) == (1111, "-100:42")
    assert (press.action, press.card_key, press.press_id) == ("reject", "abc",
                                                                 "4382bfdwdsb323b2d9")


@pytest.mark.parametrize("update", [
    None, [], {"message": {"text": "hi"}}, {"callback_query": {"id": "1"}},
    {"callback_query": {"id": "1", "from": {"id": "x"}, "message": {}, "data": "ap:1"}},
    {"callback_query": {"id": "1", "from": {"id": 1}, "data": "zz:1",
                        "message": {"message_id": 1, "chat": {"id": 1}}}},
])
def test_parse_callback_when_the_update_is_junk_then_it_is_not_a_press(update: Any) -> None:
    assert parse_callback(update) is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "notify.toml"
    path.write_text(text)
    return path


def test_load_when_secrets_come_from_the_environment_then_repr_never_shows_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT", "123:very-secret-token")
    monkeypatch.setenv("HOOK", "hook_secret-1")
    path = _write(tmp_path, '[telegram]\ntoken_env = "BOT"\nsecret_env = "HOOK"\n'
                  '[[operators]]\nname = "asha"\nrole = "Approver"\ntelegram_user_id = 7\n'
                  'topics = ["cards"]\n')

    config = load(path)

    assert config.token == "123:very-secret-token" and config.webhook_secret == "hook_secret-1"
    assert config.by_user(7) is not None and config.by_user(8) is None
    assert config.operators[0].chat_id == 7 and config.operators[0].role == "approver"
    assert "very-secret" not in repr(config) and "hook_secret" not in repr(config)


@pytest.mark.parametrize("operators,complaint", [
    ('[[operators]]\nname = "a"\nrole = "boss"\ntelegram_user_id = 1\n', "role must be"),
    ('[[operators]]\nname = "a"\n', "telegram_user_id"),
    ('[[operators]]\nname = "a"\ntelegram_user_id = 1\ntopics = ["gossip"]\n', "topics among"),
    ('[[operators]]\nname = "a"\ntelegram_user_id = 1\n[[operators]]\nname = "b"\n'
     'telegram_user_id = 1\n', "unique"),
])
def test_parse_when_an_operator_is_wrong_then_the_file_is_refused_saying_why(
    operators: str, complaint: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT", "t")
    monkeypatch.setenv("HOOK", "s")

    with pytest.raises(NotifyConfigError, match=complaint):
        parse(tomllib.loads('[telegram]\ntoken_env = "BOT"\nsecret_env = "HOOK"\n' + operators))


def test_load_when_the_token_file_is_readable_by_others_then_it_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = tmp_path / "bot-token"
    token.write_text("123:abc")
    token.chmod(0o644)
    monkeypatch.setenv("HOOK", "s")
    path = _write(tmp_path, f'[telegram]\ntoken_file = "{token}"\nsecret_env = "HOOK"\n')

    with pytest.raises(NotifyConfigError, match="owner-only"):
        load(path)


def test_load_when_the_webhook_secret_has_characters_telegram_refuses_then_it_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT", "t")
    monkeypatch.setenv("HOOK", "has spaces!")
    path = _write(tmp_path, '[telegram]\ntoken_env = "BOT"\nsecret_env = "HOOK"\n')

    with pytest.raises(NotifyConfigError, match="A-Z a-z 0-9"):
        load(path)


def test_render_when_the_judge_reviews_a_card_then_subscribers_of_cards_hear_the_verdict(
) -> None:
    reviewed = CardReviewed(card_id="card-1", account_id="acc-1", reviewer="rule-based",
                            verdict="caution", confidence=D("0.6"), thesis="thin volume",
                            risks=(), invalidation="", prompt_name="rules", prompt_version=1,
                            prompt_sha256="a" * 64, schema_sha256="b" * 64)

    topic, message = render(reviewed) or ("", Message(""))

    assert topic == "cards" and "Judge on card-1: caution (0.6)" in message.text


def test_render_when_an_entry_fills_and_the_position_closes_then_each_is_told_once() -> None:
    closed = PositionClosed(account_id="acc-1", order_id="order-1", symbol="TCS", quantity=100,
                            entry_price=D("500.00"), exit_price=D("530.00"),
                            exit_leg=Leg.TARGET, gross_pnl=D("3000.00"), costs=D("114.33"),
                            realised_pnl=D("2885.67"))

    filled = render(fill(Leg.ENTRY, "500.25"))
    exited = render(closed)

    assert filled == ("fills", Message("Filled ENTRY BUY 100 TCS @ 500.25 for acc-1 (order-1)"))
    assert exited == ("exits", Message("Closed 100 TCS for acc-1: 500.00 → 530.00 (TARGET), "
                                       "realised P&L ₹2885.67"))
