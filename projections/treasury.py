"""The desk's treasury: every account's cash by state, and the desk-wide totals.

Derived from the cash view (`projections.cash`), so it is exactly as replayable: total is
available + reserved + deployed + buffer; deployable is what may still be reserved
(available), desk-wide and per account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from domain.money import ZERO
from projections.cash import Cash


@dataclass(frozen=True)
class Holding:
    """One account's (or the desk's) cash by state."""

    available: Decimal
    reserved: Decimal
    deployed: Decimal
    buffer: Decimal
    funded: Decimal
    realised_pnl: Decimal

    @property
    def total(self) -> Decimal:
        return self.available + self.reserved + self.deployed + self.buffer

    @property
    def deployable(self) -> Decimal:
        return self.available


@dataclass(frozen=True)
class Treasury:
    desk: Holding
    by_account: dict[str, Holding]


def holding(cash: Cash) -> Holding:
    return Holding(cash.available, cash.reserved, cash.deployed, cash.buffer, cash.funded,
                   cash.realised_pnl)


def treasury(cash: Mapping[str, Cash]) -> Treasury:
    """Each account's cash by state, and the sums across the desk."""
    by_account = {a: holding(c) for a, c in sorted(cash.items())}
    return Treasury(_sum(by_account.values()), by_account)


def _sum(rows: Iterable[Holding]) -> Holding:
    rows = list(rows)
    return Holding(*(sum((getattr(r, f) for r in rows), ZERO) for f in (
        "available", "reserved", "deployed", "buffer", "funded", "realised_pnl")))
