"""Harnesses for the venue contract suite: each real adapter connected to its local fake.

A venue module here (`upstox.py`, `zerodha.py`, `ibkr.py`) exports
`open_venue(tmp_path) -> AsyncContextManager[Harness]`: the fake server started on
127.0.0.1, the adapter pointed at it by configuration only, and the fake's controls.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from domain.values import Leg


class FakeControls(Protocol):
    """What a test makes the venue do, as the exchange or the broker's back office would."""

    def fill(self, client_order_id: str, leg: Leg, price: Decimal) -> None:
        """Fill the bracket's leg at `price` (an exit fill cancels the other exit; OPERATOR:
        the desk's market sale closing it), and push the update on the update stream."""
        ...

    def cancel_at_venue(self, client_order_id: str) -> None:
        """Cancel the bracket at the venue, as an RMS or an operator elsewhere would."""
        ...

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` order requests with HTTP `status` in the venue's error
        shape (429: its rate-limit error; 5xx: its server error)."""
        ...

    def expire_session(self) -> None:
        """Make the current token/session invalid, as the venue does daily."""
        ...

    def drop_updates_connection(self) -> None:
        """Close the update stream's connection from the server side."""
        ...

    def placed_count(self, client_order_id: str) -> int:
        """How many brackets the venue holds under this client order id."""
        ...


@dataclass
class Harness:
    """An adapter connected to its fake, the fake's controls, and the secrets in play (the
    suite checks none of them ever appears in an error or a status)."""

    venue: Any  # streams.ports.Venue
    fake: FakeControls
    secrets: tuple[str, ...]
