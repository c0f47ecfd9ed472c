"""The relay signs the log's head onto desk.checkpoints, and `desk replay verify --from-kafka`
holds the store to it: someone who truncates the database and deletes the checkpoint file is
still caught by the copy on Kafka."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from adapters.eventstore.url import store_label
from adapters.kafka.checkpoints import newest_on_topic
from tests.keyed import desk, keyed_store

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]


def _relay_once(store: str, bootstrap: str, namespace: str) -> int:
    """`desk relay --once` as its own process, as an operator runs it (keys from the env)."""
    return subprocess.run(
        [sys.executable, "-m", "cli", "relay", "--once", "--store", store, "--bootstrap",
         bootstrap, "--namespace", namespace], capture_output=True, timeout=240, check=False,
    ).returncode


@pytest.fixture
def keyed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> str:
    """A keyed store of ten funded accounts (20 events), keys from `desk replay keygen`."""
    return keyed_store(tmp_path, monkeypatch, capsys)


def test_relay_when_a_checkpoint_key_is_set_then_the_head_is_signed_onto_the_topic_and_file(
    keyed: str, kafka_broker: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    ns = f"t{uuid.uuid4().hex[:10]}"

    code = _relay_once(keyed, kafka_broker.bootstrap, ns)

    on_topic = asyncio.run(newest_on_topic(kafka_broker.bootstrap, ns, store_label(keyed)))
    in_file = (tmp_path / ".desk" / "checkpoints.jsonl").read_text().splitlines()
    assert code == 0
    assert on_topic is not None and on_topic.position == 20
    assert json.loads(in_file[-1]) == json.loads(on_topic.text())
    # The relay's checkpoint is one `desk replay verify` accepts as it is.
    verified, out = desk(capsys, "replay", "verify", "--store", keyed, "--from-kafka",
                          "--bootstrap", kafka_broker.bootstrap, "--namespace", ns, "--json")
    report = json.loads(out)
    assert verified == 3 and report["ok"]  # no live state saved: never "OK", but no problem
    assert report["checkpoint"] is not None


def test_verify_from_kafka_when_the_tail_is_cut_and_the_file_deleted_then_names_the_tail(
    keyed: str, kafka_broker: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    ns = f"t{uuid.uuid4().hex[:10]}"
    assert _relay_once(keyed, kafka_broker.bootstrap, ns) == 0
    (tmp_path / ".desk" / "checkpoints.jsonl").unlink()  # the attacker removes the file too
    db = sqlite3.connect(tmp_path / "desk.db")
    db.execute("DELETE FROM stored_events WHERE rowid > 15")
    db.execute("DELETE FROM event_chain WHERE notification_id > 15")
    db.commit()

    local, _ = desk(capsys, "replay", "verify", "--store", keyed)
    code, out = desk(capsys, "replay", "verify", "--store", keyed, "--from-kafka",
                      "--bootstrap", kafka_broker.bootstrap, "--namespace", ns, "--json")

    assert local == 3  # without a checkpoint a clean truncation looks whole
    assert code == 1
    assert "truncated tail" in json.loads(out)["problems"][0]


def test_verify_from_kafka_when_the_broker_is_unreachable_then_exit_2_with_the_reason(
    keyed: str, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = desk(capsys, "replay", "verify", "--store", keyed, "--from-kafka",
                      "--bootstrap", "127.0.0.1:1")

    assert code == 2 and "desk.checkpoints" in out and "127.0.0.1:1" in out
