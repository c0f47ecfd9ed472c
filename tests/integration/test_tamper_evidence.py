"""The review's attacks on the log (someone with write access to the database), each named by
`verify`: a re-chained edit, a truncated tail, a forged append; and PostgreSQL's burned ids
are not tampering."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.eventstore.chain import GENESIS, chain_hash
from adapters.eventstore.chain_keys import CHAIN_KEY_ENV, KeyFileError, chain_keyring
from adapters.eventstore.checkpoints import Checkpoint, sign
from adapters.eventstore.store import DeskStore
from adapters.eventstore.url import store_label
from domain.aggregates import Account, Cause, StaleWrite
from replay.verify import verify

KEY = "k" * 40
ATTACKER_KEY = "a" * 40


def _cause() -> Cause:
    now = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    return Cause(now, now, "operator:test", "corr-test")


def _day(store: DeskStore, accounts: int = 20) -> None:
    for i in range(accounts):
        account = Account(f"account-a{i}")
        account.open(f"A{i}", _cause())
        account.deposit(Decimal("1000.00"), "initial", _cause())
        store.commit(account)


def _rows(store: DeskStore) -> list[dict[str, Any]]:
    with store.recorder.datastore.transaction(commit=False) as c:  # type: ignore[attr-defined]
        c.execute("SELECT rowid AS id, originator_id, originator_version, topic, state "
                  "FROM stored_events ORDER BY rowid")
        return [dict(r) for r in c.fetchall()]


def _rechain(store: DeskStore, secret: str | None) -> None:
    """What an attacker with the database does after an edit: recompute every link."""
    key = chain_keyring({CHAIN_KEY_ENV: secret}).current if secret else None  # type: ignore[union-attr]
    previous = GENESIS
    links = []
    for r in _rows(store):
        previous = chain_hash(previous, r["id"], r["originator_id"], r["originator_version"],
                              r["topic"], bytes(r["state"]), key)
        links.append((previous, r["id"]))
    with store.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute("DELETE FROM event_chain")
        c.executemany("INSERT INTO event_chain (hash, notification_id) VALUES (?, ?)", links)


def _edit_first_deposit(store: DeskStore) -> int:
    row = next(r for r in _rows(store) if r["topic"] == "CashDeposited")
    edited = json.loads(row["state"])
    edited["payload"]["amount"] = "9000000.00"
    with store.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
                  (json.dumps(edited).encode(), row["id"]))
    return int(row["id"])


def _append_forged_deposit(store: DeskStore) -> int:
    last = [r for r in _rows(store) if r["originator_id"] == "account-a0"][-1]
    forged = json.loads(last["state"])
    forged["stream_version"] = last["originator_version"] + 1
    forged["payload"]["amount"] = "5000000.00"
    with store.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute("INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                  "VALUES (?, ?, ?, ?)", ("account-a0", forged["stream_version"],
                                          "CashDeposited", json.dumps(forged).encode()))
    return int(_rows(store)[-1]["id"])


def _anchor(store: DeskStore, signer: Ed25519PrivateKey) -> Checkpoint:
    head = store.head()
    link = store.chained.chain(head, head)[0][1]
    return sign(signer, store_label(store.url), head, link, datetime.now(UTC))


@pytest.fixture
def signer() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def keyed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DeskStore:
    monkeypatch.setenv(CHAIN_KEY_ENV, KEY)
    store = DeskStore(f"sqlite:///{tmp_path / 'keyed.db'}")
    _day(store)
    return store


def test_verify_when_an_edit_is_rechained_without_the_key_then_names_the_edited_event(
    keyed_store: DeskStore,
) -> None:
    edited = _edit_first_deposit(keyed_store)
    _rechain(keyed_store, ATTACKER_KEY)

    verdict = verify(keyed_store, chain_keyring())

    assert not verdict.ok and verdict.first_bad is not None
    assert verdict.first_bad["position"] == 1  # the attacker's key signs from the start
    assert "which is not configured" in verdict.problems[0]
    assert edited > 1


def test_verify_when_an_unkeyed_store_is_edited_and_rechained_then_the_checkpoint_names_it(
    tmp_path: Path, signer: Ed25519PrivateKey,
) -> None:
    store = DeskStore(f"sqlite:///{tmp_path / 'plain.db'}")
    _day(store)
    checkpoint = _anchor(store, signer)
    edited = _edit_first_deposit(store)
    _rechain(store, None)

    unanchored = verify(store)
    anchored = verify(store, None, checkpoint, signer.public_key())

    assert unanchored.ok and unanchored.chain == "unkeyed"  # what the review found
    assert not anchored.ok and "re-chained" in anchored.problems[0]
    assert edited < checkpoint.position


def test_verify_when_the_tail_and_its_links_are_deleted_then_names_a_truncated_tail(
    keyed_store: DeskStore, signer: Ed25519PrivateKey,
) -> None:
    checkpoint = _anchor(keyed_store, signer)
    head = keyed_store.head()
    with keyed_store.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute("DELETE FROM stored_events WHERE rowid > ?", (head - 25,))
        c.execute("DELETE FROM event_chain WHERE notification_id > ?", (head - 25,))

    verdict = verify(keyed_store, chain_keyring(), checkpoint, signer.public_key())

    assert not verdict.ok
    assert verdict.problems == [
        f"truncated tail: the signed checkpoint of {checkpoint.at} covers the log up to "
        f"position {head}, but it ends at {head - 25}: events were deleted"]


def test_verify_when_only_the_tail_events_are_deleted_then_names_the_orphan_links(
    keyed_store: DeskStore,
) -> None:
    head = keyed_store.head()
    with keyed_store.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute("DELETE FROM stored_events WHERE rowid > ?", (head - 3,))

    verdict = verify(keyed_store, chain_keyring())

    assert not verdict.ok and "truncated tail: 3 chain link(s)" in verdict.problems[0]


def test_verify_when_a_forged_deposit_is_appended_and_linked_then_names_a_forged_append(
    keyed_store: DeskStore, signer: Ed25519PrivateKey,
) -> None:
    checkpoint = _anchor(keyed_store, signer)
    forged = _append_forged_deposit(keyed_store)
    previous = keyed_store.chained.chain(forged - 1, forged - 1)[0][1]
    row = _rows(keyed_store)[-1]
    # The attacker links it the only way they can: without the key.
    link = chain_hash(previous, forged, row["originator_id"], row["originator_version"],
                      row["topic"], bytes(row["state"]))
    with keyed_store.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute("INSERT INTO event_chain (notification_id, hash) VALUES (?, ?)",
                  (forged, link))

    verdict = verify(keyed_store, chain_keyring(), checkpoint, signer.public_key())

    assert not verdict.ok and verdict.first_bad is not None
    assert verdict.first_bad["position"] == forged
    assert "forged append" in verdict.problems[0]


def test_verify_when_a_checkpoint_is_altered_then_says_it_is_not_signed(
    keyed_store: DeskStore, signer: Ed25519PrivateKey,
) -> None:
    genuine = _anchor(keyed_store, signer)
    altered = Checkpoint(**{**genuine.__dict__, "position": genuine.position - 5})

    verdict = verify(keyed_store, chain_keyring(), altered, signer.public_key())

    assert not verdict.ok and "forged or altered checkpoint" in verdict.problems[0]


def test_verify_when_a_keyed_store_is_intact_then_ok_naming_the_key(
    keyed_store: DeskStore, signer: Ed25519PrivateKey,
) -> None:
    verdict = verify(keyed_store, chain_keyring(), _anchor(keyed_store, signer),
                     signer.public_key())

    assert verdict.ok, verdict.problems
    assert verdict.chain == "keyed" and verdict.keys == [chain_keyring().current.key_id]  # type: ignore[union-attr]


def test_chain_keyring_when_the_key_file_is_group_readable_then_refused(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "chain.key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o640)

    with pytest.raises(KeyFileError, match="chmod 600"):
        chain_keyring({"DESK_CHAIN_KEY_FILE": str(key_file)})


def test_verify_when_the_key_is_rotated_then_old_and_new_links_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    key_file = tmp_path / "chain.key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    monkeypatch.setenv("DESK_CHAIN_KEY_FILE", str(key_file))
    url = f"sqlite:///{tmp_path / 'rotated.db'}"
    _day(DeskStore(url), 2)
    key_file.write_text(KEY + "\n" + "n" * 40 + "\n")  # rotation: append, keep the old key
    store = DeskStore(url)
    account = Account("account-late")
    account.open("Late", _cause())
    store.commit(account)

    verdict = verify(store, chain_keyring())

    assert verdict.ok, verdict.problems
    assert len(verdict.keys) == 2


@pytest.mark.postgres
def test_verify_when_postgres_burned_ids_in_write_conflicts_then_ok(postgres_url: str) -> None:
    store = DeskStore(postgres_url)
    _day(store, 2)
    for i in range(3):
        stale = store.load(Account, "account-a0")
        stale.deposit(Decimal("1.00"), f"loser-{i}", _cause())
        rival = store.load(Account, "account-a0")
        rival.deposit(Decimal("2.00"), f"winner-{i}", _cause())
        store.commit(rival)
        with pytest.raises(StaleWrite):
            store.commit(stale)
    late = store.load(Account, "account-a1")
    late.deposit(Decimal("3.00"), "after", _cause())
    store.commit(late)

    positions = [r.position for r in store.read(0)]
    verdict = verify(store)

    assert positions != list(range(1, len(positions) + 1))  # ids were burned
    assert verdict.ok, verdict.problems
