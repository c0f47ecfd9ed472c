"""Verify the log: the hash chain is unbroken and the read model rebuilds to the live one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from adapters.eventstore.chain import GENESIS, chain_hash
from adapters.eventstore.store import DeskStore, ViewSnapshots
from domain.events import Envelope
from projections.desk import LIVE_VIEW, DeskView, apply, projections_of, snapshot

_PAGE = 5000


@dataclass
class Verdict:
    ok: bool
    events: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad: dict[str, Any] | None = None
    compared_at: int | None = None

    def fail(self, problem: str, position: int | None = None, stream: str = "",
             version: int | None = None) -> None:
        self.ok = False
        self.problems.append(problem)
        if self.first_bad is None and position is not None:
            self.first_bad = {"position": position, "stream_id": stream, "stream_version": version}


def verify(store: DeskStore) -> Verdict:
    """Walk the whole log once: recompute the chain, decode, fold, compare the live view."""
    verdict = Verdict(ok=True)
    saved = ViewSnapshots(store).load(LIVE_VIEW)
    view = DeskView()
    previous, expected_position = GENESIS, 1
    chain_ok = True
    recorder = store.chained
    after = 0
    while chain_ok:
        notifications = store.recorder.select_notifications(after + 1, _PAGE)
        if not notifications:
            break
        hashes = dict(recorder.chain(notifications[0].id, len(notifications) + 1))
        for n in notifications:
            where = f"event at position {n.id} ({n.originator_id} v{n.originator_version})"
            if n.id != expected_position:
                verdict.fail(f"gap in the log: position {expected_position} is missing "
                             f"before {where}", n.id, str(n.originator_id), n.originator_version)
                chain_ok = False
                break
            # A row edited by hand may come back as text rather than bytes.
            state = n.state if isinstance(n.state, bytes) else str(n.state).encode()
            previous = chain_hash(previous, n.id, str(n.originator_id), n.originator_version,
                                  n.topic, state)
            if hashes.get(n.id) != previous:
                verdict.fail(f"hash chain broken at {where}: stored event does not match its "
                             "hash (edited, reordered or inserted)", n.id, str(n.originator_id),
                             n.originator_version)
                chain_ok = False
                break
            try:
                event = Envelope.model_validate_json(state)
            except ValueError as e:
                verdict.fail(f"undecodable {where}: {e}", n.id, str(n.originator_id),
                             n.originator_version)
                chain_ok = False
                break
            if (event.stream_id, event.stream_version) != (n.originator_id, n.originator_version):
                verdict.fail(f"envelope of {where} names another stream", n.id,
                             str(n.originator_id), n.originator_version)
                chain_ok = False
                break
            if saved is not None and n.id == saved[0] + 1:
                _compare(verdict, view, saved)
            apply(view, event, n.id)
            verdict.events += 1
            expected_position += 1
        after = notifications[-1].id
    if chain_ok and saved is not None and saved[0] >= view.position:
        if saved[0] > view.position:
            verdict.fail(f"live view claims position {saved[0]} but the log ends at "
                         f"{view.position}")
        else:
            _compare(verdict, view, saved)
    return verdict


def _compare(verdict: Verdict, view: DeskView, saved: tuple[int, str]) -> None:
    verdict.compared_at = saved[0]
    # Log bookkeeping (counts, position) is not part of what the live runtime must match.
    rebuilt = projections_of(snapshot(view))
    live = projections_of(json.loads(saved[1]))
    if rebuilt != live:
        keys = sorted(k for k in set(rebuilt) | set(live) if rebuilt.get(k) != live.get(k))
        verdict.fail(f"rebuilt state differs from the live state at position {saved[0]} "
                     f"in: {', '.join(keys)}")
