"""The notifications file (`desk serve --notify-config FILE`, TOML): the Telegram bot and
the desk operators reachable on it.

    [telegram]
    api_base = "https://api.telegram.org"        # a local fake Bot API in tests
    token_env = "DESK_TELEGRAM_TOKEN"            # or token_file = "/run/secrets/bot" (0600)
    secret_env = "DESK_TELEGRAM_SECRET"          # the webhook's X-Telegram-Bot-Api-Secret-Token

    [[operators]]
    name = "asha"                                # the desk operator (actor operator:asha)
    role = "approver"                            # viewer, approver or admin
    telegram_user_id = 1111                      # who may press the buttons
    chat_id = 1111                               # where her messages go
    topics = ["cards", "fills", "exits", "kill_switches"]

Secrets come only from the environment or an owner-only file, and `repr` never shows them.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.notify import TOPICS, ChatOperator

DEFAULT_API_BASE = "https://api.telegram.org"
ROLES = ("viewer", "approver", "admin")  # as the API's tokens name them
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a secret_token


class NotifyConfigError(ValueError):
    """The notifications file cannot be used (the message never contains a secret)."""


@dataclass(frozen=True)
class NotifyConfig:
    """The bot (token and webhook secret kept out of `repr`) and its operators."""

    api_base: str
    token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    operators: tuple[ChatOperator, ...]

    def by_user(self, user_id: int) -> ChatOperator | None:
        """The operator a Telegram user is, or None for a stranger."""
        return next((o for o in self.operators if o.telegram_user_id == user_id), None)


def _secret(section: dict[str, Any], what: str) -> str:
    env, file = section.get(f"{what}_env"), section.get(f"{what}_file")
    if file:
        path = Path(str(file))
        try:
            mode = path.stat().st_mode
        except OSError:
            raise NotifyConfigError(f"telegram {what}_file {path} cannot be read") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise NotifyConfigError(f"telegram {what}_file {path} must be owner-only (0600)")
        return path.read_text().strip()
    value = os.environ.get(str(env), "") if env else ""
    if not value:
        raise NotifyConfigError(f"telegram {what}: set {what}_env to a set variable, or "
                                f"{what}_file")
    return value


def _operator(raw: dict[str, Any]) -> ChatOperator:
    name = str(raw.get("name", ""))
    role = str(raw.get("role", "viewer")).lower()
    if role not in ROLES:
        raise NotifyConfigError(f"operator {name!r}: role must be one of {', '.join(ROLES)}")
    try:
        user, chat = int(raw["telegram_user_id"]), int(raw.get("chat_id", raw["telegram_user_id"]))
    except (KeyError, TypeError, ValueError):
        raise NotifyConfigError(f"operator {name!r}: telegram_user_id (an integer) is "
                                "required") from None
    topics = frozenset(raw.get("topics", TOPICS))
    if not name or unknown_topics(topics):
        raise NotifyConfigError(f"operator {name!r}: a name and topics among "
                                f"{', '.join(TOPICS)} are required")
    return ChatOperator(name, role, user, chat, topics)


def unknown_topics(topics: frozenset[str]) -> frozenset[str]:
    """The topics no event is rendered under (a typo in the file)."""
    return topics - frozenset(TOPICS)


def parse(data: dict[str, Any]) -> NotifyConfig:
    """The configuration from the file's parsed TOML."""
    telegram = data.get("telegram")
    if not isinstance(telegram, dict):
        raise NotifyConfigError("a [telegram] section is required")
    secret = _secret(telegram, "secret")
    if not _SECRET.match(secret):
        raise NotifyConfigError("telegram secret: 1-256 characters of A-Z a-z 0-9 _ -")
    operators = tuple(_operator(o) for o in data.get("operators", ()))
    users = [o.telegram_user_id for o in operators]
    if len(set(users)) != len(users) or len({o.name for o in operators}) != len(operators):
        raise NotifyConfigError("each operator's name and telegram_user_id must be unique")
    return NotifyConfig(str(telegram.get("api_base", DEFAULT_API_BASE)).rstrip("/"),
                        _secret(telegram, "token"), secret, operators)


def load(path: Path) -> NotifyConfig:
    """Read and check the notifications file."""
    try:
        return parse(tomllib.loads(path.read_text()))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise NotifyConfigError(f"{path}: {e}") from None
