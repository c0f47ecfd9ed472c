"""The report index for a one-shot process (`desk report`): read back from where the last
report saved it, checked against the log, caught up with what the log added since, and
saved again.

    warmed = load_index(store, path)          # path: `index_file_for(store.url)`
    built = build_indexed_report(request, warmed.index, store)
    save_index(store, path, warmed.index)

The saved index is used only when it was folded from this store by this code, and the
chain link the store holds at the saved position is the link saved with it. A log that was
truncated, re-chained after an edit, or replaced by another one at the same path fails that
check, and the index is folded again from the start: a changed log never gives a stale
report. An edit that did not re-chain leaves the stored links as they were; that breaks the
chain itself, which `desk replay verify` reports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import domain
import projections
from adapters.eventstore.url import store_label
from adapters.files.saved_report_index import (
    SavedIndex,
    SavedIndexError,
    index_file_for,
    read_saved,
    write_saved,
)
from projections.reports.index import ReportIndex
from projections.reports.index_codec import decode_index, encode_index
from streams.ports import ChainedLog
from streams.report_index import catch_up


@dataclass(frozen=True)
class Warmed:
    """An index caught up with the log: from the saved position `loaded` (0: folded from the
    start), `folded` events after it; `refused` says why a saved index was not used."""

    index: ReportIndex
    loaded: int
    folded: int
    refused: str = ""


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of the source of the folds and the event types: a saved index folded by
    other code (an upgrade that changed a fold) is folded again rather than trusted."""
    digest = hashlib.sha256()
    for package in (domain, projections):
        root = Path(package.__file__ or "").parent
        for source in sorted(root.rglob("*.py")):
            digest.update(str(source.relative_to(root.parent)).encode() + b"\0")
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _usable(log: ChainedLog, saved: SavedIndex) -> str:
    """Why `saved` cannot stand for the log's first `saved.position` events ('' if it can)."""
    if saved.store != store_label(log.url):
        return f"it was saved for another store ({saved.store})"
    if saved.code != code_fingerprint():
        return "it was folded by another version of the desk"
    link = log.link_at(saved.position)
    if link is None:
        return f"the log no longer reaches position {saved.position}"
    if link != saved.link:
        return f"the log's chain at position {saved.position} changed since it was saved"
    return ""


def _saved_index(log: ChainedLog, path: Path) -> tuple[ReportIndex | None, str]:
    """The saved index if it can stand for the log, else None and why not."""
    try:
        saved = read_saved(path)
    except SavedIndexError as e:
        return None, str(e)
    if saved is None:
        return None, ""
    refused = _usable(log, saved)
    if refused:
        return None, refused
    try:
        index = decode_index(saved.state)
    except ValueError as e:  # pydantic's ValidationError is one
        return None, f"its index does not read back ({type(e).__name__})"
    if index.position != saved.position:
        return None, f"its index covers position {index.position}, not {saved.position}"
    return index, ""


def index_path(log: ChainedLog) -> Path | None:
    """Where `log`'s report index is saved (None: nowhere, for an in-memory store)."""
    return index_file_for(log.url)


def load_index(log: ChainedLog, path: Path | None) -> Warmed:
    """The report index of `log`: the one saved at `path` when it still stands for the log,
    else a fresh one; caught up with the log either way."""
    index, refused = _saved_index(log, path) if path is not None else (None, "")
    index = index if index is not None else ReportIndex()
    loaded = index.position
    return Warmed(index, loaded, catch_up(index, log), refused)


def save_index(log: ChainedLog, path: Path, index: ReportIndex) -> bool:
    """Save `index` at `path` with the chain link at its position; False when there is
    nothing to save (an empty log). OSError when the file cannot be written."""
    link = log.link_at(index.position) if index.position else None
    if link is None:
        return False
    saved = SavedIndex(
        store_label(log.url), code_fingerprint(), index.position, link, encode_index(index)
    )
    write_saved(path, saved)
    return True
