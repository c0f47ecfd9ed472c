"""The adapters' owner-only, append-only journals: what survives a restart, a torn last
line, and the older whole-file format of the Upstox GTT journal."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

from adapters.brokers.intents import IntentLog
from adapters.brokers.upstox.journal import GttJournal


def test_intents_when_an_id_was_noted_then_a_restarted_log_says_it_may_have_been_sent(
    tmp_path: Path,
) -> None:
    log = IntentLog(tmp_path / "kite.intents")
    asyncio.run(log.sending("order-1"))
    log.close()

    reread = IntentLog(tmp_path / "kite.intents")

    assert reread.may_have_sent("order-1") and not reread.may_have_sent("order-2")
    assert stat.S_IMODE((tmp_path / "kite.intents").stat().st_mode) == 0o600


def test_intents_when_the_last_line_was_torn_by_a_crash_then_the_rest_still_reads(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kite.intents"
    path.write_text('{"coid":"order-1"}\n{"coid":"ord')

    log = IntentLog(path)

    assert log.may_have_sent("order-1") and not log.may_have_sent("ord")


def test_intents_when_no_file_is_configured_then_every_id_may_have_been_sent() -> None:
    log = IntentLog(None)
    asyncio.run(log.sending("order-1"))

    assert log.may_have_sent("order-1") and log.may_have_sent("order-never-sent")


def test_journal_when_orders_are_sent_then_each_change_appends_one_line(tmp_path: Path) -> None:
    path = tmp_path / "gtt-journal.json"
    journal = GttJournal(path)
    asyncio.run(journal.sending("order-1", "fp-1"))
    before = path.read_text()

    journal.record("order-1", "GTT-1")
    asyncio.run(journal.sending("order-2", "fp-2"))

    after = path.read_text()
    assert after.startswith(before) and len(after.splitlines()) == 3
    reread = GttJournal(path)
    assert reread.owner("GTT-1") == "order-1" and reread.has("order-2")


def test_journal_when_the_file_has_the_older_whole_object_format_then_it_is_read_and_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gtt-journal.json"
    path.write_text(
        json.dumps(
            {
                "order-1": {"gtt": "GTT-1", "fingerprint": "fp-1"},
                "order-2": {"gtt": "", "fingerprint": "fp-2"},
            }
        )
    )

    journal = GttJournal(path)
    journal.record("order-2", "GTT-2")

    reread = GttJournal(path)
    assert reread.owner("GTT-1") == "order-1" and reread.gtt_id("order-2") == "GTT-2"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
