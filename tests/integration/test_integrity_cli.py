"""`desk replay keygen | anchor | verify` as an operator runs them against a keyed store."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore, ViewSnapshots
from cli.main import main
from domain.aggregates import Account, Cause
from projections.desk import LIVE_VIEW
from tests.keyed import desk, keyed_store


@pytest.fixture
def keyed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> str:
    """A keyed store of ten funded accounts (20 events), keys from `desk replay keygen`."""
    return keyed_store(tmp_path, monkeypatch, capsys)


def test_verify_when_no_live_state_row_then_exit_3_and_never_ok(
    keyed: str, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = desk(capsys, "replay", "verify", "--store", keyed)

    assert code == 3
    assert "OK:" not in out and "no live state was saved in this store" in out
    assert "chain: keyed (HMAC-SHA256" in out


def test_verify_when_the_live_state_row_is_deleted_after_a_save_then_not_ok(
    keyed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    ViewSnapshots(DeskStore(keyed)).save(LIVE_VIEW, 3, "{}")
    sqlite3.connect(tmp_path / "desk.db").execute("DELETE FROM desk_views").connection.commit()

    code, out = desk(capsys, "replay", "verify", "--store", keyed)

    assert code == 3 and "OK:" not in out


def test_anchor_then_truncate_when_verified_with_the_printed_checkpoint_then_names_the_tail(
    keyed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = desk(capsys, "replay", "anchor", "--store", keyed, "--json")
    printed = out.strip()
    (tmp_path / ".desk" / "checkpoints.jsonl").unlink()  # the attacker removes the file too
    db = sqlite3.connect(tmp_path / "desk.db")
    db.execute("DELETE FROM stored_events WHERE rowid > 15")
    db.execute("DELETE FROM event_chain WHERE notification_id > 15")
    db.commit()

    unanchored, _ = desk(capsys, "replay", "verify", "--store", keyed)
    anchored, verdict = desk(capsys, "replay", "verify", "--store", keyed, "--checkpoint",
                              printed, "--json")

    assert code == 0 and json.loads(printed)["position"] == 20
    assert unanchored == 3  # without the checkpoint a clean truncation looks whole
    assert anchored == 1
    assert "truncated tail" in json.loads(verdict)["problems"][0]


def test_anchor_when_the_log_is_edited_then_refuses_to_sign(
    keyed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    db = sqlite3.connect(tmp_path / "desk.db")
    db.execute("UPDATE stored_events SET state = replace(state, '1000.00', '9000.00') "
               "WHERE rowid = 4")
    db.commit()

    code, out = desk(capsys, "replay", "anchor", "--store", keyed)

    assert code == 1 and "nothing signed" in out and "position 4" in out
    assert not (tmp_path / ".desk" / "checkpoints.jsonl").exists()


def test_keygen_when_run_again_then_appends_a_chain_key_and_old_links_still_verify(
    keyed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    desk(capsys, "replay", "keygen", "--dir", str(tmp_path / "keys"))
    store = DeskStore(keyed)  # new links use the appended key
    now = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    late = Account("account-late")
    late.open("Late", Cause(now, now, "operator:test", "late"))
    store.commit(late)

    code, out = desk(capsys, "replay", "verify", "--store", keyed, "--json")

    assert code == 3 and len(json.loads(out)["keys"]) == 2


def test_verify_when_the_chain_key_file_is_world_readable_then_exit_2_naming_it(
    keyed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "keys" / "chain.key").chmod(0o644)

    code, out = desk(capsys, "replay", "verify", "--store", keyed)

    assert code == 2 and "chmod 600" in out


def test_verify_when_given_partitions_then_refused_as_an_option_it_does_not_have(
    keyed: str, capsys: pytest.CaptureFixture[str],
) -> None:
    """verify only reads desk.checkpoints: a partition count would be silently meaningless."""
    with pytest.raises(SystemExit) as exit_:
        main(["replay", "verify", "--store", keyed, "--from-kafka", "--partitions", "3"])

    assert exit_.value.code == 2
    assert "unrecognized arguments: --partitions 3" in capsys.readouterr().err
