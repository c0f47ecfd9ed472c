"""One step of event processing: the aggregates it touched, saved together or not at all."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TypeVar

from domain.aggregates import Aggregate, Cause
from domain.events import Envelope, Recorded
from streams.ports import AggregateStore, Clock

A = TypeVar("A", bound=Aggregate)


class UnitOfWork:
    """Hands out each aggregate once per step so two reactions never race on one stream.

    Within a savepoint, every aggregate handed out is remembered as it was, so `discard`
    can put the step back exactly where the savepoint began.
    """

    def __init__(self, store: AggregateStore, clock: Clock, trigger: Envelope | None = None
                 ) -> None:
        self.store = store
        self.clock = clock
        self.trigger = trigger
        self._loaded: dict[str, Aggregate] = {}
        # stream id -> the aggregate as it was at the savepoint (None: not loaded then)
        self._before: dict[str, Aggregate | None] | None = None

    def get(self, cls: type[A], stream_id: str) -> A:
        """The stream's aggregate, loaded once per step."""
        self._remember(stream_id)
        agg = self._loaded.get(stream_id)
        if agg is None:
            agg = self.store.load(cls, stream_id)
            self._loaded[stream_id] = agg
        assert isinstance(agg, cls), f"{stream_id} loaded as {type(agg).__name__}"
        return agg

    def get_many(self, cls: type[A], stream_ids: Sequence[str]) -> list[A]:
        """Each stream's aggregate as `get` hands it out, asking the store once which of
        those not loaded yet have events: the others start empty without being read (a
        step deciding a card for every account reads only the cards that exist)."""
        missing = [s for s in stream_ids if s not in self._loaded]
        logged = self.store.versions(missing) if missing else {}
        for stream_id in missing:
            if stream_id not in logged:
                self.fresh(cls, stream_id)
        return [self.get(cls, s) for s in stream_ids]

    def fresh(self, cls: type[A], stream_id: str) -> A:
        """A new, empty aggregate for a stream this step creates (no read needed)."""
        self._remember(stream_id)
        agg = cls(stream_id)
        self._loaded.setdefault(stream_id, agg)
        return agg

    def cause(self, actor: str) -> Cause:
        """A cause continuing the triggering event's chain, at its desk time."""
        assert self.trigger is not None, "no triggering event in this step"
        return Cause.following(self.trigger, actor, self.clock())

    def savepoint(self) -> None:
        """Start remembering: a later `discard` undoes everything from here."""
        self._before = {}

    def discard(self) -> None:
        """Put every aggregate handed out since the savepoint back as it was then."""
        assert self._before is not None, "discard without a savepoint"
        for stream_id, before in self._before.items():
            if before is None:
                del self._loaded[stream_id]
            else:
                self._loaded[stream_id] = before
        self._before = None

    def release(self) -> None:
        """Keep what was done since the savepoint."""
        self._before = None

    @property
    def has_changes(self) -> bool:
        """True when a loaded aggregate has events waiting to be committed."""
        return any(a.has_pending for a in self._loaded.values())

    def commit(self, tracking: tuple[str, int] | None = None) -> list[Recorded]:
        """Save what the step changed (and `tracking`, its log position) atomically."""
        touched = [a for a in self._loaded.values() if a.has_pending]
        if not touched and tracking is None:
            return []
        return self.store.commit(*touched, tracking=tracking)

    def _remember(self, stream_id: str) -> None:
        if self._before is None or stream_id in self._before:
            return
        loaded = self._loaded.get(stream_id)
        # Aggregates hold only their own state and pending events: a deep copy is a snapshot.
        self._before[stream_id] = None if loaded is None else copy.deepcopy(loaded)
