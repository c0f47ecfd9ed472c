"""Envelopes written to a store as they are, for tests and benches that need a real store
holding a log built in memory (`tests.unit.conftest.Log`, `bench.reports.make_log`)."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.eventstore.store import DeskStore
from domain.events import Envelope, Recorded

PAGE = 5000  # events per transaction


class _Logged:
    """A batch of envelopes posing as an aggregate's pending events (what `commit` saves)."""

    def __init__(self, envelopes: Sequence[Envelope]) -> None:
        self.id = "logged-envelopes"
        self._envelopes = list(envelopes)

    def collect_events(self) -> list[Envelope]:
        out, self._envelopes = self._envelopes, []
        return out


def append_envelopes(store: DeskStore, envelopes: Sequence[Envelope]) -> list[Recorded]:
    """Append `envelopes` to the log in order, `PAGE` to a transaction; what was recorded."""
    recorded: list[Recorded] = []
    for start in range(0, len(envelopes), PAGE):
        batch = _Logged(envelopes[start : start + PAGE])
        recorded += store.commit(batch)  # type: ignore[arg-type]
    return recorded
