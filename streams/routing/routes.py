"""Which accounts trade at a remote venue (Upstox, Kite, IBKR) rather than on the broker
that answers inside a step (paper)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class VenueRoutes:
    """Account -> the venue its brackets go to; `default` for every other account (None:
    the in-step broker)."""

    by_account: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None

    def venue_for(self, account_id: str) -> str | None:
        """The remote venue the account's orders are routed to, or None."""
        return self.by_account.get(account_id, self.default)

    @property
    def venues(self) -> frozenset[str]:
        """Every remote venue some account is routed to."""
        named = set(self.by_account.values())
        return frozenset(named | {self.default} if self.default else named)
