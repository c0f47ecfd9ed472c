"""Start a runtime's read model from its last snapshot plus the log's tail.

Folding a long log from the first event costs a runtime's start a minute per million
events; a snapshot of the whole view (`projections.codec`, exact) saved every
`EVERY` events lets the next start fold only what came after it.

A snapshot is held to the log it was folded from: it keeps the chain link of its last
event, and is used only while the store still holds that link at that position. A
rewritten, truncated or swapped log (another store's snapshot row) makes the runtime
fold from the first event again, as it did without snapshots. It is held to the view it
started from, too: a digest of that empty view, so a view set up otherwise (e.g. other
strategies' features to compute) folds from the first event rather than resume another's.
"""

from __future__ import annotations

import hashlib
import json

import structlog

from adapters.eventstore.store import DeskStore, ViewSnapshots
from projections.codec import decode_view, encode_view
from projections.desk import DeskView

log = structlog.get_logger("eventdesk.view_snapshots")

EVERY = 50_000  # events folded between two snapshots


def snapshot_name(runtime: str) -> str:
    """The `desk_views` row of a runtime's whole-view snapshot."""
    return f"{runtime}:snapshot"


def setup_digest(view: DeskView) -> str:
    """A digest of the view a runtime starts folding into (before any event)."""
    return hashlib.sha256(encode_view(view)).hexdigest()


def resume(store: DeskStore, runtime: str, setup: str) -> DeskView | None:
    """The runtime's last snapshot while it still matches the log and was folded from a
    view set up as `setup` says (`setup_digest`), else None: the caller folds from its
    own view. A runtime saves one only once every event up to it is handled (its
    reactions committed), so it may be past the runtime's tracked position."""
    saved = ViewSnapshots(store).load(snapshot_name(runtime))
    if saved is None:
        return None
    position, text = saved
    try:
        head, _, body = text.partition("\n")
        tie = json.loads(head)
        if tie["setup"] != setup or store.link_at(position) != tie["link"]:
            log.info("snapshot not used: the log or the view's setup differ", position=position)
            return None
        view = decode_view(body)
    except (ValueError, KeyError, TypeError) as e:
        log.warning("snapshot unreadable: folding from the start", error=str(e))
        return None
    return view if view.position == position else None


def keep(store: DeskStore, runtime: str, view: DeskView, setup: str) -> None:
    """Save `view` as the runtime's snapshot, tied to the chain link at its position and
    to the digest of the view it was folded from."""
    link = store.link_at(view.position)
    if link is None:
        return  # nothing logged there to tie it to
    text = json.dumps({"link": link, "setup": setup}) + "\n" + encode_view(view).decode()
    ViewSnapshots(store).save(snapshot_name(runtime), view.position, text)
