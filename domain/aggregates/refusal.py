"""Refusal: the record that one process manager refused one event, written once."""

from __future__ import annotations

from uuid import UUID

from domain.aggregates.base import Aggregate, Cause
from domain.events import ReactionRefused
from domain.ids import REFUSAL_PREFIX


class Refusal(Aggregate):
    """One process manager's refusal of one event, with the reason."""

    stream_prefix = REFUSAL_PREFIX

    def record(self, process_manager: str, reason: str, trigger_id: UUID, trigger_type: str,
               cause: Cause) -> None:
        """Record the refusal; the same event refused again (a re-run step) adds nothing."""
        if self.exists or self.has_pending:
            return
        self._record(ReactionRefused(process_manager=process_manager, reason=reason,
                                     trigger_id=trigger_id, trigger_type=trigger_type),
                     cause)
