"""`desk report` on the report index saved beside an SQLite store: the JSON it prints with
no saved index, with a saved one caught up with a longer log, and with `--full-read` is the
same, byte for byte; a saved index that no longer stands for the log (replaced, truncated,
open to others, folded by other code) is not used and the report is still the full read's.
The scheduler's EOD files are drawn from an index the job keeps the same way."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from adapters.eventstore.url import store_label
from adapters.files.saved_report_index import (
    SavedIndex,
    read_saved,
    write_saved,
)
from cli.main import main
from devtools.logged_events import append_envelopes
from domain.events import Recorded
from streams.eod_files import EodFiles
from streams.report_index import build_indexed_report
from streams.reports import ReportRequest, build_report
from streams.saved_index import load_index, save_index
from tests.unit.conftest import bar, envelope
from tests.unit.test_reports import WED
from tests.unit.test_reports import events as events  # the hand-checked log

ARGS = [
    ["eod", "--date", "2025-01-07"],
    ["eod", "--date", "2025-01-08", "--account", "acc-1"],
    ["eod"],
    ["monthly", "--month", "2025-01"],
    ["monthly", "--account", "acc-2"],
    ["compliance", "--from", "2025-01-05", "--to", "2025-01-09"],
    ["compliance"],
]


def _append(store: DeskStore, recorded: list[Recorded]) -> None:
    append_envelopes(store, [r.event for r in recorded])


def _store(path: Path, recorded: list[Recorded]) -> DeskStore:
    store = DeskStore(f"sqlite:///{path}")
    _append(store, recorded)
    return store


def _printed(capsys: pytest.CaptureFixture[str], url: str, args: list[str]) -> tuple[str, str]:
    """(stdout, stderr) of `desk report ARGS --json --store URL`."""
    assert main(["report", *args, "--json", "--store", url]) == 0
    out = capsys.readouterr()
    return out.out, out.err


def test_report_when_cold_warm_and_full_read_then_the_same_json_bytes(
    events: list[Recorded], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "desk.db"
    url, saved = f"sqlite:///{db}", tmp_path / "desk.db.report-index"
    store = _store(db, events[: len(events) // 2])
    _printed(capsys, url, ["eod"])  # saves the index of the first half
    half = read_saved(saved)
    _append(store, events[len(events) // 2 :])

    warm = [_printed(capsys, url, a)[0] for a in ARGS]
    saved.unlink()
    cold = [_printed(capsys, url, a)[0] for a in ARGS]
    full = [_printed(capsys, url, [*a, "--full-read"])[0] for a in ARGS]

    assert half is not None and half.position == len(events) // 2
    assert warm == cold == full
    assert len(set(full)) == len(ARGS)  # the requests differ
    assert json.loads(full[2])["as_of_position"] == len(events)


def test_load_index_when_saved_then_folds_only_what_the_log_added_since(
    events: list[Recorded], tmp_path: Path
) -> None:
    store = _store(tmp_path / "desk.db", events[:10])
    path = tmp_path / "index"
    save_index(store, path, load_index(store, path).index)
    _append(store, events[10:])

    warmed = load_index(store, path)

    assert (warmed.loaded, warmed.folded, warmed.refused) == (10, len(events) - 10, "")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _saved(store: DeskStore, path: Path) -> SavedIndex:
    """The index of `store` saved at `path`, as read back."""
    save_index(store, path, load_index(store, path).index)
    saved = read_saved(path)
    assert saved is not None
    return saved


def _refusal(store: DeskStore, path: Path) -> str:
    """Why the saved index was not used; the report drawn anyway must be the full read's."""
    warmed = load_index(store, path)
    request = ReportRequest("monthly", month=date(2025, 1, 1))
    indexed = build_indexed_report(request, warmed.index, store)
    full = build_report(request, store.read_all())
    assert warmed.loaded == 0 and warmed.folded == store.head()
    assert json.dumps(indexed.data) == json.dumps(full.data)
    return warmed.refused


def test_load_index_when_the_store_was_replaced_at_its_path_then_folds_from_the_start(
    events: list[Recorded], tmp_path: Path
) -> None:
    db, path = tmp_path / "desk.db", tmp_path / "index"
    store = _store(db, events)
    _saved(store, path)
    store.close()
    for file in tmp_path.glob("desk.db*"):
        file.unlink()
    extra = envelope(bar("1790", "1795", "1770", "1771", WED, "INFY"), "bars-INFY-x", 1, WED)
    edited = [*events[:5], *events[6:], Recorded(0, extra)]  # as long, one event different
    store = _store(db, edited)

    assert "chain at position" in _refusal(store, path)


def test_load_index_when_the_log_is_shorter_than_the_saved_position_then_folds_from_the_start(
    events: list[Recorded], tmp_path: Path
) -> None:
    path = tmp_path / "index"
    saved = _saved(_store(tmp_path / "long.db", events), path)
    short = _store(tmp_path / "short.db", events[:8])

    write_saved(path, replace(saved, store=store_label(short.url)))

    assert "no longer reaches position" in _refusal(short, path)


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda p, s: p.chmod(0o644), "open to group/others"),
        (lambda p, s: write_saved(p, replace(s, code="0" * 16)), "another version"),
        (lambda p, s: write_saved(p, replace(s, store="sqlite:///elsewhere.db")), "another store"),
        (lambda p, s: write_saved(p, replace(s, state=b"{}")), "covers position 0"),
        (lambda p, s: p.write_bytes(b"garbage"), "not a saved report index"),
    ],
)
def test_load_index_when_the_saved_file_cannot_be_trusted_then_says_why_and_folds_from_the_start(
    events: list[Recorded], tmp_path: Path, spoil: object, reason: str
) -> None:
    store = _store(tmp_path / "desk.db", events)
    path = tmp_path / "index"
    saved = _saved(store, path)

    spoil(path, saved)  # type: ignore[operator]

    assert reason in _refusal(store, path)


def test_eod_files_when_the_log_grows_between_days_then_each_file_is_the_full_reads_json(
    events: list[Recorded], tmp_path: Path
) -> None:
    store = _store(tmp_path / "desk.db", [])
    files = EodFiles(tmp_path / "reports")
    days = [date(2025, 1, 6), date(2025, 1, 8)]

    written, full = [], []
    for day, upto in zip(days, (20, len(events)), strict=True):
        _append(store, events[store.head() : upto])
        files.write(store, day)
        written.append((tmp_path / "reports" / f"eod-{day}.json").read_text())
        full.append(build_report(ReportRequest("eod", day=day), store.read_all()).data)

    assert [json.loads(w) for w in written] == json.loads(json.dumps(full))
    assert files.index is not None and files.index.position == len(events)
    saved = read_saved(tmp_path / "desk.db.report-index")
    assert saved is not None and saved.position == len(events)
