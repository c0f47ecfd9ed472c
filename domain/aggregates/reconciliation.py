"""Reconciliation: one venue's record of differences with the desk, and their resolution."""

from __future__ import annotations

from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.events import BreakResolved, ExternalOrderObserved, ReconciliationBreak
from domain.ids import RECONCILIATION_PREFIX

RECONCILIATION_REASON = "reconciliation break"
"""How a kill switch tripped by a break begins its reason (so resolving breaks resets
only what they tripped)."""


class Reconciliation(Aggregate):
    """The breaks and external orders seen at one venue; each recorded once by its id."""

    stream_prefix = RECONCILIATION_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.venue = stream_id.removeprefix(self.stream_prefix)
        self.open: dict[str, ReconciliationBreak] = {}
        self.resolved: set[str] = set()
        self.external: set[str] = set()  # venue order ids already observed

    def observe(self, found: ReconciliationBreak, cause: Cause) -> bool:
        """Record a break not seen before (open or resolved); True when it is new."""
        if found.break_id in self.open or found.break_id in self.resolved:
            return False
        self._record(found, cause)
        return True

    def observe_external(self, order: ExternalOrderObserved, cause: Cause) -> None:
        """Record an order placed elsewhere, once."""
        if order.venue_order_id not in self.external:
            self._record(order, cause)

    def resolve(self, break_id: str, resolved_by: str, note: str,
                cause: Cause) -> ReconciliationBreak:
        """An operator resolves an open break; returns it."""
        found = self.open.get(break_id)
        if found is None:
            raise DomainError(f"no open break {break_id!r} at {self.venue}")
        if not note.strip():
            raise DomainError("say what was done about the break")
        self._record(BreakResolved(break_id=break_id, venue=self.venue,
                                   resolved_by=resolved_by, note=note), cause)
        return found

    def _on_reconciliation_break(self, e: ReconciliationBreak) -> None:
        self.open[e.break_id] = e

    def _on_external_order_observed(self, e: ExternalOrderObserved) -> None:
        self.external.add(e.venue_order_id)

    def _on_break_resolved(self, e: BreakResolved) -> None:
        self.open.pop(e.break_id, None)
        self.resolved.add(e.break_id)
