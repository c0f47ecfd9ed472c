"""The notifications file (`desk serve --notify-config FILE`, TOML): the channels and the
desk operators reachable on them. Every channel is optional; at least one is required.

    [telegram]
    api_base = "https://api.telegram.org"        # a local fake Bot API in tests
    token_env = "DESK_TELEGRAM_TOKEN"            # or token_file = "/run/secrets/bot" (0600)
    secret_env = "DESK_TELEGRAM_SECRET"          # the webhook's X-Telegram-Bot-Api-Secret-Token

    [[operators]]
    name = "asha"                                # the desk operator (actor operator:asha)
    role = "approver"                            # viewer, approver or admin
    telegram_user_id = 1111                      # who may press the buttons
    chat_id = 1111                               # where her messages go
    topics = ["cards", "fills", "exits", "kill_switches", "reconciliation"]

`[alerts]` (rules over the desk's figures) is described in `adapters.notify.alert_config`;
`[discord]`, `[webhook]` and `[email]` and the operators' keys for them are described in
`adapters.notify.channels`. Secrets come only from the environment or an owner-only file,
and `repr` never shows them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.notify import channels
from adapters.notify.alert_config import AlertConfig, parse_alerts
from adapters.notify.channels import DiscordConfig, WebhookConfig
from adapters.notify.email import SmtpSettings
from adapters.notify.secrets import NotifyConfigError as NotifyConfigError
from adapters.notify.secrets import read_secret
from domain.notify import TOPICS, ChatOperator

DEFAULT_API_BASE = "https://api.telegram.org"
ROLES = ("viewer", "approver", "admin")  # as the API's tokens name them
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a secret_token


@dataclass(frozen=True)
class NotifyConfig:
    """The Telegram bot (token and webhook secret kept out of `repr`; empty when there is
    no `[telegram]`), the other channels, and the operators."""

    api_base: str
    token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    operators: tuple[ChatOperator, ...]
    discord: DiscordConfig | None = None
    webhook: WebhookConfig | None = None
    email: SmtpSettings | None = None
    alerts: AlertConfig = field(default_factory=AlertConfig)

    @property
    def telegram(self) -> bool:
        """Whether the file configures Telegram."""
        return bool(self.token)

    def by_user(self, user_id: int) -> ChatOperator | None:
        """The operator a Telegram user is, or None for a stranger."""
        return next((o for o in self.operators
                     if user_id and o.telegram_user_id == user_id), None)


def _operator(raw: dict[str, Any]) -> ChatOperator:
    name = str(raw.get("name", ""))
    role = str(raw.get("role", "viewer")).lower()
    if role not in ROLES:
        raise NotifyConfigError(f"operator {name!r}: role must be one of {', '.join(ROLES)}")
    try:
        user = int(raw.get("telegram_user_id", 0))
        chat = int(raw.get("chat_id", user))
    except (TypeError, ValueError):
        raise NotifyConfigError(f"operator {name!r}: telegram_user_id is an integer") from None
    topics = frozenset(raw.get("topics", TOPICS))
    if not name or unknown_topics(topics):
        raise NotifyConfigError(f"operator {name!r}: a name and topics among "
                                f"{', '.join(TOPICS)} are required")
    others = channels.operator_keys(raw, name)
    if not (user or others["discord_user_id"] or others["email"]):
        raise NotifyConfigError(f"operator {name!r}: telegram_user_id, discord_user_id or "
                                "email is required")
    return ChatOperator(name, role, user, chat, topics, **others)


def unknown_topics(topics: frozenset[str]) -> frozenset[str]:
    """The topics no event is rendered under (a typo in the file)."""
    return topics - frozenset(TOPICS)


def parse(data: dict[str, Any]) -> NotifyConfig:
    """The configuration from the file's parsed TOML."""
    found = {name: data.get(name) for name in ("telegram", "discord", "webhook", "email")}
    if not any(found.values()):
        raise NotifyConfigError("a [telegram], [discord], [webhook] or [email] section is "
                                "required")
    operators = tuple(_operator(o) for o in data.get("operators", ()))
    for key in ("name", "telegram_user_id", "discord_user_id"):
        ids = [getattr(o, key) for o in operators if getattr(o, key)]
        if len(set(ids)) != len(ids):
            raise NotifyConfigError(f"each operator's {key} must be unique")
    base, token, secret = DEFAULT_API_BASE, "", ""
    telegram = found["telegram"]
    if telegram is not None:
        if not isinstance(telegram, dict):
            raise NotifyConfigError("[telegram] must be a table")
        secret = read_secret(telegram, "secret", "telegram")
        if not _SECRET.match(secret):
            raise NotifyConfigError("telegram secret: 1-256 characters of A-Z a-z 0-9 _ -")
        base = str(telegram.get("api_base", DEFAULT_API_BASE)).rstrip("/")
        token = read_secret(telegram, "token", "telegram")
    return NotifyConfig(base, token, secret, operators, channels.discord(data),
                        channels.webhook(data), channels.email(data), parse_alerts(data))


def load(path: Path) -> NotifyConfig:
    """Read and check the notifications file."""
    try:
        return parse(tomllib.loads(path.read_text()))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise NotifyConfigError(f"{path}: {e}") from None
