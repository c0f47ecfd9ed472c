"""A keyed store for integrity tests: keys from `desk replay keygen` exported into the
environment, and ten funded accounts (20 events) written with them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from cli.main import main
from domain.aggregates import Account, Cause


def desk(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run `desk ARGS` in process: its exit code and everything it printed."""
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def keyed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> str:
    """The URL of a keyed SQLite store in `tmp_path` (also the working directory)."""
    monkeypatch.chdir(tmp_path)
    code, out = desk(capsys, "replay", "keygen", "--dir", str(tmp_path / "keys"))
    assert code == 0
    for line in out.splitlines():
        if line.startswith("export "):
            name, value = line.removeprefix("export ").split("=", 1)
            monkeypatch.setenv(name, value)
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    store = DeskStore(url)
    now = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    for i in range(10):
        account = Account(f"account-a{i}")
        account.open(f"A{i}", Cause(now, now, "operator:test", f"setup-{i}"))
        account.deposit(Decimal("1000.00"), "initial", Cause(now, now, "operator:test", "x"))
        store.commit(account)
    return url
