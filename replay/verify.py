"""Verify the log: the chain links every event in order, the newest signed checkpoint agrees
with it, and the read model rebuilds to the live one.

What each check catches: an edited, inserted or deleted event breaks the chain; with a chain
key, an event re-chained or appended by someone without the key fails its link; a signed
checkpoint (kept outside the store) catches a re-chained edit before it and a truncated tail.
Notification ids may have gaps (PostgreSQL burns one on every write conflict): each link
covers the previous link, so the chain alone proves that no event between two is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import Notification

from adapters.eventstore.chain import GENESIS, ChainKey, chain_hash, link_key_id
from adapters.eventstore.chain_keys import ChainKeyring
from adapters.eventstore.checkpoints import Checkpoint, signed_by
from adapters.eventstore.store import DeskStore, ViewSnapshots
from domain.events import Envelope
from domain.events.fast import decode
from projections.desk import LIVE_VIEW, DeskView, apply, projections_of, snapshot

_PAGE = 5000
_END = 2**62

# Told (events read, log head) after every page: a progress bar for long verifications.
Progress = Callable[[int, int], None]


@dataclass
class Verdict:
    """What `verify` found: ok, how many events it read, and each problem in words."""

    ok: bool
    events: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad: dict[str, Any] | None = None
    compared_at: int | None = None  # where the rebuild was compared with the live view
    keyed_links: int = 0
    unkeyed_links: int = 0
    keys: list[str] = field(default_factory=list)  # ids of the chain keys the links use
    checkpoint: dict[str, Any] | None = None  # the signed checkpoint the log was held to

    @property
    def chain(self) -> str:
        """`keyed`, `unkeyed`, `mixed` (unkeyed links from before a key was set) or `empty`."""
        if self.keyed_links and self.unkeyed_links:
            return "mixed"
        return "keyed" if self.keyed_links else "unkeyed" if self.unkeyed_links else "empty"

    def fail(self, problem: str, position: int | None = None, stream: str = "",
             version: int | None = None) -> None:
        """Record a problem; the first one with a position is the first bad event."""
        self.ok = False
        self.problems.append(problem)
        if self.first_bad is None and position is not None:
            self.first_bad = {"position": position, "stream_id": stream, "stream_version": version}


class BrokenLog(ValueError):
    """An event that breaks the log: a wrong link, an undecodable or misfiled event."""


def verify(store: DeskStore, keyring: ChainKeyring | None = None,
           checkpoint: Checkpoint | None = None,
           checkpoint_key: Ed25519PublicKey | None = None,
           progress: Progress | None = None) -> Verdict:
    """Walk the whole log once, a page at a time: check every link, the checkpoint,
    decode, fold, compare. `progress` hears how far it got after each page."""
    verdict = Verdict(ok=True)
    cp = _trusted(verdict, checkpoint, checkpoint_key)
    saved = ViewSnapshots(store).load(LIVE_VIEW)
    view = DeskView()
    walk = _ChainWalk(verdict, keyring, cp)
    last = 0
    head = store.head() if progress is not None else 0
    while notifications := store.recorder.select_notifications(last + 1, _PAGE):
        links = dict(store.chained.chain(last + 1, notifications[-1].id))
        orphans = sorted(set(links) - {n.id for n in notifications})
        for n in notifications:
            try:
                walk.before(n.id, last, orphans)
                event = walk.link(n, links.get(n.id))
            except BrokenLog as e:
                verdict.fail(str(e), n.id, str(n.originator_id), n.originator_version)
                return verdict
            if saved is not None and verdict.compared_at is None and saved[0] < n.id:
                _compare(verdict, view, saved)
            apply(view, event, n.id)
            verdict.events += 1
            last = n.id
        if progress is not None:
            progress(last, head)
    _check_tail(verdict, store, last, cp)
    if saved is not None and saved[0] > last:
        verdict.fail(f"live view claims position {saved[0]} but the log ends at {last}")
    elif saved is not None and verdict.compared_at is None:
        _compare(verdict, view, saved)
    return verdict


def _trusted(verdict: Verdict, cp: Checkpoint | None, key: Ed25519PublicKey | None
             ) -> Checkpoint | None:
    """The checkpoint, when its signature holds; otherwise a problem and None."""
    if cp is None:
        return None
    verdict.checkpoint = {"position": cp.position, "at": cp.at, "key": cp.key}
    if key is None:
        verdict.fail("a checkpoint was given but no checkpoint key is configured to check its "
                     "signature (set DESK_CHECKPOINT_KEY_FILE or DESK_CHECKPOINT_PUBLIC_KEY_FILE)")
        return None
    if not signed_by(cp, key):
        verdict.fail(f"the checkpoint of {cp.at} (position {cp.position}) is not signed by the "
                     "configured checkpoint key: forged or altered checkpoint")
        return None
    return cp


class _ChainWalk:
    """Follows the chain link by link, holding it to the keys and the checkpoint."""

    def __init__(self, verdict: Verdict, keyring: ChainKeyring | None,
                 cp: Checkpoint | None) -> None:
        self.verdict, self.keyring, self.cp = verdict, keyring, cp
        self.previous = GENESIS

    def before(self, position: int, last: int, orphans: list[int]) -> None:
        """Whatever should have been logged between `last` and `position` but is not."""
        if position == last + 1:
            return  # nothing between them to miss (the common case, checked first)
        missing = next((p for p in orphans if last < p < position), None)
        if missing is not None:
            raise BrokenLog(f"the event at position {missing} is missing (deleted): its chain "
                            "link remains")
        if self.cp is not None and last < self.cp.position < position:
            raise BrokenLog(f"the event at position {self.cp.position}, named by the signed "
                            f"checkpoint of {self.cp.at}, is missing (deleted)")

    def link(self, n: Notification, stored: str | None) -> Envelope:
        """Check `n`'s link; its envelope. `BrokenLog` says what is wrong."""
        if stored is None:
            raise BrokenLog(f"{_where(n)} has no chain link: inserted outside the desk")
        # A row edited by hand may come back as text rather than bytes.
        state = n.state if isinstance(n.state, bytes) else str(n.state).encode()
        key = self._key(stored, n)
        expected = chain_hash(self.previous, n.id, str(n.originator_id), n.originator_version,
                              n.topic, state, key)
        if stored != expected and key is None:
            raise BrokenLog(f"hash chain broken at {_where(n)}: stored event does not match "
                            "its hash (edited, reordered or inserted)")
        if stored != expected:
            raise BrokenLog(f"keyed link does not verify at {_where(n)}: edited, inserted or "
                            f"forged without the chain key{self._after_checkpoint(n.id)}")
        if self.cp is not None and n.id == self.cp.position and stored != self.cp.head:
            raise BrokenLog(
                f"re-chained: the signed checkpoint of {self.cp.at} holds another link for "
                f"{_where(n)}: events up to it were edited and the chain recomputed")
        self.previous = stored
        try:
            event = decode(state, n.topic)
        except ValueError as e:
            raise BrokenLog(f"undecodable {_where(n)}: {e}") from None
        if (event.stream_id, event.stream_version) != (n.originator_id, n.originator_version):
            raise BrokenLog(f"envelope of {_where(n)} names another stream")
        return event

    def _key(self, stored: str, n: Notification) -> ChainKey | None:
        key_id = link_key_id(stored)
        if key_id is None:
            if self.verdict.keyed_links:
                raise BrokenLog(f"unkeyed link at {_where(n)} after keyed ones: written "
                                f"without the chain key (forged){self._after_checkpoint(n.id)}")
            self.verdict.unkeyed_links += 1
            return None
        key = self.keyring.get(key_id) if self.keyring is not None else None
        if key is None:
            raise BrokenLog(f"{_where(n)} is linked with chain key {key_id}, which is not "
                            "configured: set DESK_CHAIN_KEY_FILE to a key file holding it")
        self.verdict.keyed_links += 1
        if key_id not in self.verdict.keys:
            self.verdict.keys.append(key_id)
        return key

    def _after_checkpoint(self, position: int) -> str:
        if self.cp is None or position <= self.cp.position:
            return ""
        return (f" (after the last signed checkpoint, position {self.cp.position}: "
                "a forged append)")


def _where(n: Notification) -> str:
    """How a problem names the event: built only when there is a problem to name."""
    return f"event at position {n.id} ({n.originator_id} v{n.originator_version})"


def _check_tail(verdict: Verdict, store: DeskStore, last: int, cp: Checkpoint | None) -> None:
    extra = store.chained.chain(last + 1, _END)
    if extra:
        verdict.fail(f"truncated tail: {len(extra)} chain link(s) past the last event "
                     f"(position {last}) remain; the events after it were deleted", extra[0][0])
    elif cp is not None and cp.position > last:
        verdict.fail(f"truncated tail: the signed checkpoint of {cp.at} covers the log up to "
                     f"position {cp.position}, but it ends at {last}: events were deleted",
                     cp.position)


def _compare(verdict: Verdict, view: DeskView, saved: tuple[int, str]) -> None:
    verdict.compared_at = saved[0]
    # Log bookkeeping (counts, position) is not part of what the live runtime must match.
    rebuilt = projections_of(snapshot(view))
    live = projections_of(json.loads(saved[1]))
    if rebuilt != live:
        keys = sorted(k for k in set(rebuilt) | set(live) if rebuilt.get(k) != live.get(k))
        verdict.fail(f"rebuilt state differs from the live state at position {saved[0]} "
                     f"in: {', '.join(keys)}")
