"""The Kafka stack's supervision: process managers that stop moving get fresh workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from domain.aggregates import Account, Cause
from domain.ids import account_stream
from streams.bootstrap import wall_clock
from streams.kafka.stack import StackStalled, wait_for_process_managers


def test_wait_when_the_process_managers_make_no_progress_then_stuck_runs_before_it_gives_up(
    tmp_path: Path,
) -> None:
    store = DeskStore(f"sqlite:///{tmp_path / 'desk.db'}")
    account = Account(account_stream("a1"))
    now = wall_clock()
    account.open("A1", Cause(now, now, "operator:test", "setup-a1"))
    store.commit(account)  # the log has an event no process manager will ever handle
    restarts: list[int] = []

    with pytest.raises(StackStalled, match="process managers at 0, log at 1"):
        wait_for_process_managers(store, timeout=1.0, stuck=lambda: restarts.append(1),
                                  stuck_after=0.2)

    assert 1 <= len(restarts) <= 5
