"""Settings for an IBKR Client Portal Web API session: where the gateway listens, which
account trades, and which of IBKR's order questions the desk answers yes to.

Pointing the desk at the real gateway instead of the local fake is configuration only
(`IBKR_BASE_URL`, `IBKR_ACCOUNT_ID`); the gateway holds the browser login itself, so the
desk keeps no IBKR password.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from adapters.brokers.ratelimit import Window

# The gateway's own address (self-signed TLS) as IBKR documents it.
GATEWAY_URL = "https://localhost:5000/v1/api"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

# Questions IBKR asks before it accepts an order, by kind: words from the question's text
# (matched case-insensitively). Message ids (o163, ...) are not used: IBKR does not publish
# which id is which question, and a wrong guess would answer yes to the wrong question.
QUESTION_KINDS: dict[str, str] = {
    "PRICE_CONSTRAINT": "exceeds the percentage constraint",
    "MISSING_MARKET_DATA": "without market data",
    "TICK_SIZE": "tick size",
    "SIZE_LIMIT": "size limit",
    "IMMEDIATE_TRIGGER": "will most likely trigger and fill immediately",
    "VALUE_LIMIT": "exceeds the total value limit",
    "MANDATORY_CAP_PRICE": "mandatory cap price",
    "CASH_QUANTITY": "cash quantity",
    "STOP_ORDER_RISKS": "stop order",
    "MULTIPLE_ACCOUNTS": "multiple accounts",
}

# What a bracket legitimately triggers: its stop child warns about stop-order risks, and a
# desk that prices from its own feed may have no IBKR market-data subscription. Size and
# value limits stay refused: they are the account's own safety nets.
DEFAULT_ACCEPTED_QUESTIONS = ("STOP_ORDER_RISKS", "MISSING_MARKET_DATA")


@dataclass(frozen=True)
class IbkrConfig:
    """One IBKR account behind one Client Portal gateway."""

    account_id: str
    base_url: str = GATEWAY_URL
    verify_tls: bool | None = None  # None: verify everywhere but on this machine
    exchange: str = "NSE"  # the listing the desk's symbols resolve to
    ledger_currency: str = "BASE"  # the ledger entry funds are read from
    accepted_questions: tuple[str, ...] = DEFAULT_ACCEPTED_QUESTIONS
    request_timeout: float = 10.0
    tickle_seconds: float = 60.0  # IBKR expects /tickle about once a minute
    ws_ping_seconds: float = 50.0  # `tic` at least once a minute keeps the socket's session
    reconnect_seconds: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 5.0)
    coid_max_length: int = 40  # IBKR documents no limit; long desk ids are hashed to fit
    windows: tuple[Window, ...] = field(default_factory=lambda: (Window(10, 1.0),))

    def __post_init__(self) -> None:
        unknown = sorted(set(self.accepted_questions) - set(QUESTION_KINDS))
        if unknown:
            raise ValueError(f"unknown IBKR question kinds {unknown}; "
                             f"known: {sorted(QUESTION_KINDS)}")
        if not self.account_id:
            raise ValueError("an IBKR account id is required (IBKR_ACCOUNT_ID)")

    @property
    def tls_verified(self) -> bool:
        """Whether the gateway's certificate is checked (off by default only on this
        machine, where the gateway's certificate is self-signed)."""
        if self.verify_tls is not None:
            return self.verify_tls
        return (urlsplit(self.base_url).hostname or "") not in LOCAL_HOSTS

    @property
    def ws_url(self) -> str:
        """The gateway's websocket, beside its REST root."""
        root = self.base_url.rstrip("/")
        scheme, rest = root.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> IbkrConfig:
        """Settings from `IBKR_*` variables (none of them secret)."""
        verify = environ.get("IBKR_VERIFY_TLS", "").strip().lower()
        questions = environ.get("IBKR_ACCEPT_QUESTIONS")
        return cls(
            account_id=environ.get("IBKR_ACCOUNT_ID", "").strip(),
            base_url=environ.get("IBKR_BASE_URL", GATEWAY_URL).strip(),
            verify_tls=None if not verify else verify in ("1", "true", "yes"),
            exchange=environ.get("IBKR_EXCHANGE", "NSE").strip(),
            accepted_questions=(DEFAULT_ACCEPTED_QUESTIONS if questions is None else
                                tuple(q.strip() for q in questions.split(",") if q.strip())),
        )
