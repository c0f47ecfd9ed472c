"""Who a state-changing `desk` command runs as: the operator behind a token file or
`$DESK_TOKEN`, checked against the desk's tokens; the actor recorded is that operator."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from cli.main import main
from tests.served import REPO

ACTIONS = str(REPO / "data" / "sample" / "tradebooks" / "corporate-actions.csv")
TOKENS = "ada:admin:ada-admin-token-0123456789,vic:viewer:vic-viewer-token-0123456789"


@pytest.fixture(autouse=True)
def desk_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_API_TOKENS", TOKENS)
    monkeypatch.delenv("DESK_TOKEN", raising=False)


def _token_file(tmp_path: Path, token: str, mode: int) -> Path:
    path = tmp_path / "my.token"
    path.write_text(token + "\n")
    path.chmod(mode)
    return path


def test_import_when_token_file_is_owner_only_then_actor_is_its_operator(
    tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path}/desk.db"
    token = _token_file(tmp_path, "ada-admin-token-0123456789", 0o600)

    code = main(["import", "actions", ACTIONS, "--token-file", str(token), "--store", store])

    actors = {rec.event.actor for rec in DeskStore(store).read_all()}
    assert code == 0 and actors == {"operator:ada"}


@pytest.mark.parametrize(("token", "mode", "says"), [
    ("ada-admin-token-0123456789", 0o644, "chmod 600"),
    ("vic-viewer-token-0123456789", 0o600, "vic (role viewer) may not"),
    ("not-a-known-token-0123456789", 0o600, "unknown or revoked"),
])
def test_import_when_token_file_is_unusable_then_exit_2_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], token: str, mode: int, says: str,
) -> None:
    store = f"sqlite:///{tmp_path}/desk.db"
    path = _token_file(tmp_path, token, mode)

    code = main(["import", "actions", ACTIONS, "--token-file", str(path), "--store", store])

    err = capsys.readouterr().err
    assert code == 2 and says in err
    assert token not in err
    assert not (tmp_path / "desk.db").exists() or DeskStore(store).head() == 0


def test_import_when_no_token_anywhere_then_exit_2_naming_desk_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["import", "actions", ACTIONS, "--store", f"sqlite:///{tmp_path}/desk.db"])

    assert code == 2 and "DESK_TOKEN" in capsys.readouterr().err
