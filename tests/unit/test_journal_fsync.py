"""An adapter's journal line is on disk before the order goes out: the file is synced on
every append, and its directory once, when the file is created (else a power loss can lose
the new file's name, and with it every line)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.brokers.intents import IntentLog
from adapters.brokers.upstox.journal import GttJournal


def _record_syncs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Each sync the process makes: what was synced, and the journal's text by then."""
    synced: list[tuple[str, str]] = []
    real: Callable[[int], None] = os.fsync

    def fsync(fd: int) -> None:
        target = os.readlink(f"/proc/self/fd/{fd}")
        text = Path(target).read_text() if Path(target).is_file() else ""
        synced.append((target, text))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_intents_when_an_id_is_noted_then_its_line_and_the_new_file_name_are_synced(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    synced = _record_syncs(monkeypatch)
    path = tmp_path / "state" / "kite.intents"
    log = IntentLog(path)

    asyncio.run(log.sending("order-1"))

    assert (str(path.parent), "") in synced, "the directory holding the new file"
    assert (str(path), '{"coid":"order-1"}\n') in synced


def test_intents_when_a_second_id_is_noted_then_only_the_file_is_synced_again(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "kite.intents"
    log = IntentLog(path)
    asyncio.run(log.sending("order-1"))
    synced = _record_syncs(monkeypatch)

    asyncio.run(log.sending("order-2"))

    assert synced == [(str(path), '{"coid":"order-1"}\n{"coid":"order-2"}\n')]


def test_gtt_journal_when_a_gtt_is_about_to_be_sent_then_its_fingerprint_is_synced_first(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    synced = _record_syncs(monkeypatch)
    path = tmp_path / "gtt-journal.json"
    journal = GttJournal(path)

    asyncio.run(journal.sending("order-1", "fp-1"))

    files = [text for target, text in synced if target == str(path)]
    assert len(files) == 1 and '"fingerprint":"fp-1"' in files[0]
