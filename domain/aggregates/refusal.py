"""Refusal and failure: the record that one process manager refused one event (a business
rule), or raised on it (a bug or absurd data), written once."""

from __future__ import annotations

from uuid import UUID

from domain.aggregates.base import Aggregate, Cause
from domain.events import ReactionFailed, ReactionRefused
from domain.ids import FAILURE_PREFIX, REFUSAL_PREFIX


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


class ReactionFailure(Aggregate):
    """One process manager's failure on one event: what it raised, and who was paused."""

    stream_prefix = FAILURE_PREFIX

    def record(self, process_manager: str, reason: str, trigger_id: UUID, trigger_type: str,
               paused: list[str], cause: Cause) -> None:
        """Record the failure once; the same failure seen again (a re-run step) adds nothing."""
        if self.exists or self.has_pending:
            return
        self._record(ReactionFailed(process_manager=process_manager, reason=reason,
                                    trigger_id=trigger_id, trigger_type=trigger_type,
                                    paused=paused), cause)
