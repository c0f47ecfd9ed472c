"""Cash per account: available, reserved, deployed and buffer, and what produced them.

The ledger arithmetic is `domain.ledger`'s, the same fold the Account aggregate uses; the
buffer is the treasury's share of funded capital held out of free cash. Conservation, to
the paisa, for every account:

    available + reserved + deployed + buffer
        = deposits + transfers_in - transfers_out + returned - returned_basis

where `returned - returned_basis` (exit proceeds net of exit charges, less the entry cost
paid incl. entry charges) is the realised P&L after all charges of every closed trade,
which `PositionClosed` reports as `realised_pnl` (= gross P&L - costs).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.events import Envelope, PositionClosed
from domain.ledger import LEDGER_EVENTS, Ledger, post
from domain.money import ZERO

if TYPE_CHECKING:
    from projections.desk import DeskView


@dataclass(frozen=True)
class Cash(Ledger):
    """An account's cash ledger, and what its closed trades earned after charges."""

    realised_pnl: Decimal = ZERO
    costs: Decimal = ZERO


_EMPTY = Cash()  # immutable: every account starts from it (no construction per event)


def apply_cash(view: DeskView, event: Envelope) -> None:
    """Fold one event into the per-account cash view."""
    payload = event.payload
    if isinstance(payload, LEDGER_EVENTS):
        view.cash[payload.account_id] = post(view.cash.get(payload.account_id) or _EMPTY,
                                             payload)
    elif isinstance(payload, PositionClosed):
        cash = view.cash.get(payload.account_id) or _EMPTY
        view.cash[payload.account_id] = replace(
            cash, realised_pnl=cash.realised_pnl + payload.realised_pnl,
            costs=cash.costs + payload.costs)
