"""Verify the log: the hash chain is unbroken and the read model rebuilds to the live one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import Notification

from adapters.eventstore.chain import GENESIS, chain_hash
from adapters.eventstore.store import DeskStore, ViewSnapshots
from domain.events import Envelope
from projections.desk import LIVE_VIEW, DeskView, apply, projections_of, snapshot

_PAGE = 5000


@dataclass
class Verdict:
    """What `verify` found: ok, how many events it read, and each problem in words."""

    ok: bool
    events: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad: dict[str, Any] | None = None
    compared_at: int | None = None

    def fail(self, problem: str, position: int | None = None, stream: str = "",
             version: int | None = None) -> None:
        """Record a problem; the first one with a position is the first bad event."""
        self.ok = False
        self.problems.append(problem)
        if self.first_bad is None and position is not None:
            self.first_bad = {"position": position, "stream_id": stream, "stream_version": version}


def verify(store: DeskStore) -> Verdict:
    """Walk the whole log once: recompute the chain, decode, fold, compare the live view."""
    verdict = Verdict(ok=True)
    saved = ViewSnapshots(store).load(LIVE_VIEW)
    view = DeskView()
    previous = GENESIS
    after = 0
    while notifications := store.recorder.select_notifications(after + 1, _PAGE):
        hashes = dict(store.chained.chain(notifications[0].id, len(notifications) + 1))
        for n in notifications:
            try:
                previous, event = _check(n, after + 1, previous, hashes.get(n.id))
            except BrokenLog as e:
                verdict.fail(str(e), n.id, str(n.originator_id), n.originator_version)
                return verdict
            if saved is not None and n.id == saved[0] + 1:
                _compare(verdict, view, saved)
            apply(view, event, n.id)
            verdict.events += 1
            after = n.id
    if saved is not None and saved[0] > view.position:
        verdict.fail(f"live view claims position {saved[0]} but the log ends at "
                     f"{view.position}")
    elif saved is not None and saved[0] == view.position:
        _compare(verdict, view, saved)
    return verdict


class BrokenLog(ValueError):
    """An event that breaks the log: a gap, a wrong hash, an undecodable or misfiled event."""


def _check(n: Notification, expected_position: int, previous: str, stored_hash: str | None
           ) -> tuple[str, Envelope]:
    """The event's chain hash and envelope; `BrokenLog` says what is wrong with it."""
    where = f"event at position {n.id} ({n.originator_id} v{n.originator_version})"
    if n.id != expected_position:
        raise BrokenLog(f"gap in the log: position {expected_position} is missing before {where}")
    # A row edited by hand may come back as text rather than bytes.
    state = n.state if isinstance(n.state, bytes) else str(n.state).encode()
    chained = chain_hash(previous, n.id, str(n.originator_id), n.originator_version, n.topic,
                         state)
    if stored_hash != chained:
        raise BrokenLog(f"hash chain broken at {where}: stored event does not match its hash "
                        "(edited, reordered or inserted)")
    try:
        event = Envelope.model_validate_json(state)
    except ValueError as e:
        raise BrokenLog(f"undecodable {where}: {e}") from None
    if (event.stream_id, event.stream_version) != (n.originator_id, n.originator_version):
        raise BrokenLog(f"envelope of {where} names another stream")
    return chained, event


def _compare(verdict: Verdict, view: DeskView, saved: tuple[int, str]) -> None:
    verdict.compared_at = saved[0]
    # Log bookkeeping (counts, position) is not part of what the live runtime must match.
    rebuilt = projections_of(snapshot(view))
    live = projections_of(json.loads(saved[1]))
    if rebuilt != live:
        keys = sorted(k for k in set(rebuilt) | set(live) if rebuilt.get(k) != live.get(k))
        verdict.fail(f"rebuilt state differs from the live state at position {saved[0]} "
                     f"in: {', '.join(keys)}")
