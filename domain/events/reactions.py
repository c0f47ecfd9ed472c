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


@register
class ReactionFailed(Payload):
    """A process manager raised on an event (a bug or absurd data, not a business rule):
    nothing it changed for that event was kept, the accounts involved were paused with this
    reason, and the desk went on. A restart does not run it on that event again."""

    process_manager: str
    reason: str  # the exception's type and message, shortened
    trigger_id: UUID
    trigger_type: str
    paused: list[str]  # kill-switch scopes tripped because of it (accounts, or the desk)
