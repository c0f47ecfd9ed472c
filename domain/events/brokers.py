"""Which broker an account trades at, and where its credentials are found (never the
credentials themselves)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from domain.events.envelope import Payload, register

# A credential's whereabouts: an environment variable's name, or an owner-only file's path.
CredentialRef = Annotated[str, Field(pattern=r"^(env:[A-Z_][A-Z0-9_]{0,99}|file:/[^\x00]{1,500})$")]


@register
class BrokerConfigured(Payload):
    """An account is connected to a broker: `credentials` maps each credential the adapter
    needs (e.g. UPSTOX_API_SECRET) to where it is read from; `settings` are plain,
    non-secret settings (hosts, the IBKR account id, the token directory)."""

    account_id: str
    broker: str
    credentials: dict[str, CredentialRef]
    settings: dict[str, str]
    reason: str
