"""Kill switches: an account (or the whole desk) stops taking new entries."""

from __future__ import annotations

from domain.events.envelope import Payload, register
from domain.money import Money

DESK_SCOPE = "desk"


@register
class KillSwitchTripped(Payload):
    """New entries halted for `scope` (an account id, or 'desk')."""

    scope: str
    reason: str
    metric: str
    value: Money
    limit: Money


@register
class KillSwitchReset(Payload):
    scope: str
    reason: str
