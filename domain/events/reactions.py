"""How the desk's process managers answered an event, when the answer was a refusal."""

from __future__ import annotations

from uuid import UUID

from domain.events.envelope import Payload, register


@register
class ReactionRefused(Payload):
    """A process manager refused to react to an event (a business rule said no); nothing it
    changed for that event was kept. The other process managers' reactions stand."""

    process_manager: str
    reason: str
    trigger_id: UUID  # the event it was reacting to
    trigger_type: str
