"""Decide a logged day again: the log's inputs go through a fresh embedded desk, and the
cards it decides are held against the log's own.

Inputs are what nothing in the desk decided: facts from outside (bars, news, filings,
deposits: no causing event) and operator commands (`operator:NAME`, whatever they
continue). Everything else, signals, cards, approvals by a policy, orders and fills, is
decided again by the process managers. Consecutive inputs are committed together, as the
live desk committed them, so every reaction sees the desk as it was then. Strategy
versions, deployments and pauses are operator commands in the log: the replay runs what
ran then, at the desk times it ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from domain.aggregates import Aggregate, StaleWrite
from domain.events import CardApproved, CardBlocked, CardProposed, Envelope, Recorded
from domain.instruments import Instrument
from domain.strategy.book import StrategyBook
from streams.bootstrap import bootstrap

OPERATOR = "operator:"
POLICY = "policy:"


def is_input(event: Envelope) -> bool:
    """Nothing in the desk decided `event`: an outside fact or an operator's command."""
    return event.causation_id is None or event.actor.startswith(OPERATOR)


def approval_policy(records: Iterable[Recorded]) -> str | None:
    """The automated approval policy the log's approvals name (`policy:NAME`), if any."""
    for r in records:
        if isinstance(r.event.payload, CardApproved) and r.event.actor.startswith(POLICY):
            return r.event.actor.removeprefix(POLICY)
    return None


@dataclass
class Replayed:
    """What deciding the log again gave: its cards, and the first way it parted from the log."""

    logged: list[str] = field(default_factory=list)  # the log's cards, as JSON, in order
    replayed: list[str] = field(default_factory=list)
    diverged: str = ""  # an input the replay could not place (its decisions differed)

    @property
    def same(self) -> bool:
        return not self.diverged and self.logged == self.replayed

    def first_difference(self) -> str:
        """The first card that differs, in words ("" when none does)."""
        if self.diverged:
            return self.diverged
        for i, (a, b) in enumerate(zip(self.logged, self.replayed, strict=False)):
            if a != b:
                return f"card {i + 1} differs:\n  log:    {a}\n  replay: {b}"
        if len(self.logged) != len(self.replayed):
            return f"the log has {len(self.logged)} cards, the replay {len(self.replayed)}"
        return ""


class _Copied(Aggregate):
    """Events committed again exactly as the log recorded them."""

    def __init__(self, events: list[Envelope]) -> None:
        super().__init__("replay")
        self._pending = list(events)


def cards(records: Iterable[Recorded]) -> list[str]:
    """Each card decision (proposed or blocked) of `records`, as its payload's JSON."""
    return [
        r.event.payload.model_dump_json()
        for r in records
        if isinstance(r.event.payload, CardProposed | CardBlocked)
    ]


def redecide(
    records: list[Recorded],
    store_url: str,
    instruments: Mapping[str, Instrument],
    book: StrategyBook | None = None,
) -> Replayed:
    """Run `records`' inputs through a fresh embedded desk on the empty store `store_url`
    (with the log's approval policy and the paper broker) and compare the cards."""
    desk_time = [records[0].event.occurred_at] if records else []
    clock: Callable[[], datetime] = lambda: desk_time[-1]  # noqa: E731 (the inputs' time)
    desk = bootstrap(
        store_url, instruments, approver=approval_policy(records), clock=clock, book=book
    )
    result = Replayed(logged=cards(records))
    try:
        batch: list[Envelope] = []
        for r in [*records, None]:
            if r is not None and is_input(r.event):
                batch.append(r.event)
                desk_time.append(r.event.occurred_at)
                continue
            if batch:
                try:
                    desk.store.commit(_Copied(batch))
                except StaleWrite:
                    first = batch[0]
                    result.diverged = (
                        f"the replay decided {first.stream_id} differently "
                        f"before the log's {first.type} at version "
                        f"{first.stream_version} by {first.actor}"
                    )
                    break
                desk.runtime.pump()
                batch = []
        result.replayed = cards(desk.store.read_all())
    finally:
        desk.store.close()
    return result
