"""BrokerAccount: which broker one account trades at, and where its secrets are found."""

from __future__ import annotations

from collections.abc import Mapping

from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.events import BrokerConfigured
from domain.ids import BROKER_PREFIX

BROKERS = ("paper", "upstox", "zerodha", "ibkr")


class BrokerAccount(Aggregate):
    stream_prefix = BROKER_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.configured: BrokerConfigured | None = None

    def configure(self, account_id: str, broker: str, credentials: Mapping[str, str],
                  settings: Mapping[str, str], reason: str, cause: Cause) -> None:
        """Record the account's broker; an identical setting again records nothing."""
        if broker not in BROKERS:
            raise DomainError(f"unknown broker {broker!r}: one of {', '.join(BROKERS)}")
        event = BrokerConfigured(account_id=account_id, broker=broker,
                                 credentials=dict(credentials), settings=dict(settings),
                                 reason=reason.strip() or "connected by an operator")
        last = self.configured
        if last is not None and (last.broker, last.credentials, last.settings) == (
                event.broker, event.credentials, event.settings):
            return
        self._record(event, cause)

    def _on_broker_configured(self, e: BrokerConfigured) -> None:
        self.configured = e
