"""One step of event processing: the aggregates it touched, saved together or not at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from adapters.eventstore.store import DeskStore
from domain.aggregates import Aggregate, Cause
from domain.events import Envelope, Recorded

A = TypeVar("A", bound=Aggregate)
Clock = Callable[[], datetime]


class UnitOfWork:
    """Hands out each aggregate once per step so two handlers never race on one stream."""

    def __init__(self, store: DeskStore, clock: Clock, trigger: Envelope | None = None) -> None:
        self.store = store
        self.clock = clock
        self.trigger = trigger
        self._loaded: dict[str, Aggregate] = {}

    def get(self, cls: type[A], stream_id: str) -> A:
        agg = self._loaded.get(stream_id)
        if agg is None:
            agg = self.store.load(cls, stream_id)
            self._loaded[stream_id] = agg
        assert isinstance(agg, cls), f"{stream_id} loaded as {type(agg).__name__}"
        return agg

    def fresh(self, cls: type[A], stream_id: str) -> A:
        """A new, empty aggregate for a stream this step creates (no read needed)."""
        agg = cls(stream_id)
        self._loaded.setdefault(stream_id, agg)
        return agg

    def cause(self, actor: str) -> Cause:
        """A cause continuing the triggering event's chain, at its desk time."""
        assert self.trigger is not None, "no triggering event in this step"
        return Cause.following(self.trigger, actor, self.clock())

    @property
    def has_changes(self) -> bool:
        return any(a.has_pending for a in self._loaded.values())

    def commit(self, tracking: tuple[str, int] | None = None) -> list[Recorded]:
        touched = [a for a in self._loaded.values() if a.has_pending]
        if not touched and tracking is None:
            return []
        return self.store.commit(*touched, tracking=tracking)
