"""Alerts: a rule over the desk's metrics fired or cleared, and a card about to expire.

An alert fires once when its figure stays past the rule's threshold for the rule's hold
time, and clears once when it is back; each names the rule, the figure observed, the
threshold and the evidence (which metric, since when), so a message and an audit read the
same facts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from domain.events.envelope import Payload, register


@register
class AlertFired(Payload):
    """`rule`'s figure for `subject` (a feed, a worker, an account, or "desk") passed
    its threshold and stayed there for the rule's hold time."""

    rule: str
    kind: str  # view_lag, hot_path_p99, feed_silent, worker_down, reconciliation_break, ...
    subject: str
    metric: str  # the figure as /metrics names it
    observed: Decimal
    threshold: Decimal
    evidence: Annotated[str, Field(max_length=500)]


@register
class AlertCleared(Payload):
    """A fired alert's figure is back within its threshold (or no longer applies)."""

    rule: str
    kind: str
    subject: str
    metric: str
    observed: Decimal
    threshold: Decimal
    evidence: Annotated[str, Field(max_length=500)]


@register
class CardExpiring(Payload):
    """A card nobody has decided expires soon (warned once, by desk time)."""

    card_id: str
    account_id: str
    symbol: str
    side: str
    quantity: int
    expires_at: datetime
    minutes_left: Annotated[int, Field(ge=0)]
