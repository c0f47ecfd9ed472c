"""The report index saved beside the store: an owner-only file holding the index's JSON,
the log position it covers, the chain link the store held at that position, the store it
was folded from and the code that folded it.

    path = index_file_for("sqlite:///.desk/desk.db")      # .desk/desk.db.report-index
    write_saved(path, SavedIndex(store, code, position, link, state))
    saved = read_saved(path)                               # None when there is none yet

The file is JSON header line, then the index's JSON. It is written to a temporary file
(mode 600) and renamed over the old one, so a reader sees the old file or the new, never
half of one; and it is refused when group or others may read or write it, since whoever
can write it could make `desk report` print figures the log does not hold.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from adapters.eventstore.url import store_label

SUFFIX = ".report-index"
OTHER_STORES_DIR = Path(".desk")  # where a database server's store keeps its saved index


class SavedIndexError(ValueError):
    """A saved index that cannot be used (the reason says why; the report reads the log)."""


@dataclass(frozen=True)
class SavedIndex:
    """What was saved: on `store`, folded by `code`, the index to `position`, whose chain
    link then was `link`; `state` is the index's JSON."""

    store: str
    code: str
    position: int
    link: str
    state: bytes

    def header(self) -> bytes:
        fields = {
            "store": self.store,
            "code": self.code,
            "position": self.position,
            "link": self.link,
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def index_file_for(url: str) -> Path | None:
    """Where the report index of the store at `url` is saved: beside an SQLite file, under
    `.desk/` for a database server (named by the store, password left out), nowhere for an
    in-memory store."""
    if url == "sqlite:///:memory:":
        return None
    if url.startswith("sqlite:///"):
        return Path(unquote(url[len("sqlite:///") :]) + SUFFIX)
    name = hashlib.sha256(store_label(url).encode()).hexdigest()[:16]
    return OTHER_STORES_DIR / f"store-{name}{SUFFIX}"


def read_saved(path: Path) -> SavedIndex | None:
    """The saved index at `path`; None when there is none; `SavedIndexError` when the file
    is open to group or others, or is not one."""
    try:
        with path.open("rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise SavedIndexError(
                    f"{path} is open to group/others (mode {stat.S_IMODE(mode):o}): not trusted"
                )
            head, _, state = f.read().partition(b"\n")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SavedIndexError(f"{path}: {e.strerror or e}") from None
    try:
        raw = json.loads(head)
        return SavedIndex(
            str(raw["store"]), str(raw["code"]), int(raw["position"]), str(raw["link"]), state
        )
    except (ValueError, TypeError, KeyError) as e:
        raise SavedIndexError(f"{path}: not a saved report index ({type(e).__name__})") from None


def write_saved(path: Path, saved: SavedIndex) -> None:
    """Save `saved` at `path` (owner-only), replacing what was there in one rename; OSError
    when the directory cannot be written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(saved.header() + b"\n" + saved.state)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
