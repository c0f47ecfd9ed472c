"""The notifications file's other channels: Discord, a signed webhook, email over SMTP.

    [discord]
    api_base = "https://discord.com/api/v10"     # a local fake in tests
    application_id = "1234567890"                # the application the bot belongs to
    public_key = "<64 hex>"                      # its Ed25519 key: interactions are verified
    token_env = "DESK_DISCORD_TOKEN"             # or token_file (0600): the bot token
    replay_file = "/var/lib/desk/discord-presses"  # handled interactions, kept (0600) so a
                                                 # replay after a restart is still refused

    [webhook]
    url = "https://hooks.example/desk"           # signed JSON POSTs
    secret_env = "DESK_NOTIFY_WEBHOOK_SECRET"    # or secret_file; ≥ 16 bytes
    topics = ["cards", "kill_switches"]          # default: every topic

    [email]
    host = "smtp.example"
    port = 587
    security = "starttls"                        # starttls, tls or none
    sender = "desk@example"
    username = "desk"                            # optional login,
    password_env = "DESK_SMTP_PASSWORD"          # with password_env or password_file
    ca_file = "/etc/desk/relay-ca.pem"           # optional: a private CA to trust

and, per `[[operators]]`: `discord_user_id` (who may press the buttons),
`discord_channel_id` (where her messages go), `email` (her address).
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adapters.notify.discord import DEFAULT_API_BASE as DISCORD_API
from adapters.notify.email import SECURITY, SmtpSettings
from adapters.notify.secrets import NotifyConfigError, read_secret
from domain.notify import TOPICS

_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")
_SNOWFLAKE = re.compile(r"^[0-9]{1,20}$")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")
MIN_WEBHOOK_SECRET_BYTES = 16


@dataclass(frozen=True)
class DiscordConfig:
    """The bot (its token kept out of `repr`) and the application whose key signs
    interactions."""

    api_base: str
    application_id: str
    public_key: str
    token: str = field(repr=False)
    replay_file: str = ""  # "": handled interactions are remembered in memory only


@dataclass(frozen=True)
class WebhookConfig:
    """Where signed messages go, under which secret, about which topics."""

    url: str
    secret: bytes = field(repr=False)
    topics: frozenset[str]


def _section(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    section = data.get(name)
    if section is None:
        return None
    if not isinstance(section, dict):
        raise NotifyConfigError(f"[{name}] must be a table")
    return section


def topics_of(raw: dict[str, Any], who: str) -> frozenset[str]:
    """The topics an entry subscribes to (every topic by default), checked."""
    topics = frozenset(raw.get("topics", TOPICS))
    if not topics or topics - frozenset(TOPICS):
        raise NotifyConfigError(f"{who}: topics among {', '.join(TOPICS)} are required")
    return topics


def discord(data: dict[str, Any]) -> DiscordConfig | None:
    """The `[discord]` section, if any."""
    section = _section(data, "discord")
    if section is None:
        return None
    application_id = str(section.get("application_id", ""))
    public_key = str(section.get("public_key", ""))
    if not _SNOWFLAKE.match(application_id):
        raise NotifyConfigError("discord application_id: the application's numeric id")
    if not _HEX_KEY.match(public_key):
        raise NotifyConfigError("discord public_key: the application's 64-hex Ed25519 key")
    return DiscordConfig(
        str(section.get("api_base", DISCORD_API)).rstrip("/"),
        application_id,
        public_key.lower(),
        read_secret(section, "token", "discord"),
        _replay_file(section),
    )


def _replay_file(section: dict[str, Any]) -> str:
    """The owner-only file of handled interactions ("" for none); refused when others
    may read or write it."""
    path = str(section.get("replay_file", ""))
    if path and Path(path).exists() and Path(path).stat().st_mode & (
        stat.S_IRWXG | stat.S_IRWXO
    ):
        raise NotifyConfigError(f"discord replay_file {path} must be owner-only (0600)")
    return path


def webhook(data: dict[str, Any]) -> WebhookConfig | None:
    """The `[webhook]` section, if any."""
    section = _section(data, "webhook")
    if section is None:
        return None
    url = str(section.get("url", ""))
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise NotifyConfigError("webhook url: an http(s) URL is required")
    secret = read_secret(section, "secret", "webhook").encode()
    if len(secret) < MIN_WEBHOOK_SECRET_BYTES:
        raise NotifyConfigError(f"webhook secret: at least {MIN_WEBHOOK_SECRET_BYTES} bytes")
    return WebhookConfig(url, secret, topics_of(section, "webhook"))


def email(data: dict[str, Any]) -> SmtpSettings | None:
    """The `[email]` section, if any."""
    section = _section(data, "email")
    if section is None:
        return None
    security = str(section.get("security", "starttls")).lower()
    if security not in SECURITY:
        raise NotifyConfigError(f"email security: one of {', '.join(SECURITY)}")
    sender = str(section.get("sender", ""))
    if not section.get("host") or not _ADDRESS.match(sender):
        raise NotifyConfigError("email: host and sender (an address) are required")
    try:
        port = int(section.get("port", 465 if security == "tls" else 587))
    except (TypeError, ValueError):
        raise NotifyConfigError("email port: an integer") from None
    username = str(section.get("username", ""))
    password = read_secret(section, "password", "email") if username else ""
    ca_file = str(section.get("ca_file", ""))
    return SmtpSettings(
        str(section["host"]), port, sender, security, username, password, ca_file=ca_file
    )


def operator_keys(raw: dict[str, Any], name: str) -> dict[str, Any]:
    """An operator's Discord user and channel and email address, checked."""
    user = str(raw.get("discord_user_id", ""))
    channel = str(raw.get("discord_channel_id", ""))
    address = str(raw.get("email", ""))
    if (user and not _SNOWFLAKE.match(user)) or (channel and not _SNOWFLAKE.match(channel)):
        raise NotifyConfigError(f"operator {name!r}: discord ids are numeric")
    if address and not _ADDRESS.match(address):
        raise NotifyConfigError(f"operator {name!r}: email is not an address")
    return {"discord_user_id": int(user or 0), "discord_channel_id": channel, "email": address}
