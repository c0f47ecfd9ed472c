"""Store passwords stay out of messages and of other processes' command lines.

A PostgreSQL URL carries its password; anything printed, logged or put on a child's argv
(readable by every user through `ps` and /proc) must show it redacted or not at all.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.eventstore.url import StoreUrlError, redact, store_settings
from streams.kafka.stack import KafkaStack

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-Pa55word"
BAD_URLS = [
    f"postgresql://desk:{PASSWORD}@127.0.0.1:5432/",  # no database name
    f"mysql://desk:{PASSWORD}@127.0.0.1/desk",  # unknown scheme
    f"postgresql://desk:{PASSWORD}@127.0.0.1:notaport/desk",  # unparseable port
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_store_url_error_when_url_has_a_password_then_message_redacts_it(url: str) -> None:
    with pytest.raises((StoreUrlError, ValueError)) as refused:
        store_settings(url)

    assert PASSWORD not in str(refused.value)


@pytest.mark.parametrize("url", BAD_URLS)
def test_redact_when_url_has_a_password_then_it_is_hidden(url: str) -> None:
    assert PASSWORD not in redact(url)


@pytest.mark.parametrize("command", [["replay", "verify"], ["account", "list"],
                                     ["relay", "--once"], ["account", "treasury"]])
def test_cli_when_store_url_is_unusable_then_exit_2_without_the_password(
    command: list[str],
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "cli", *command, "--store", BAD_URLS[1]],
        capture_output=True, text=True, timeout=120, cwd=REPO)

    assert run.returncode == 2, run.stderr
    assert PASSWORD not in run.stdout + run.stderr
    assert "***" in run.stderr or "store URL" in run.stderr


def test_stack_child_when_spawned_then_store_url_in_its_environment_not_its_argv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESK_API_TOKENS", f"ada:admin:{PASSWORD}-token")
    url = f"sqlite:///{tmp_path}/desk.db?{PASSWORD}"  # any URL: it must not reach argv
    stack = KafkaStack(url, "127.0.0.1:1", log_dir=tmp_path / "logs")
    stack.log_dir.mkdir()
    proc = stack.spawn("relay")
    try:
        for _ in range(200):  # until the child has exec'd (before, /proc shows our own)
            cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
            if b"relay" in cmdline:
                break
            time.sleep(0.05)
        environ = Path(f"/proc/{proc.pid}/environ").read_bytes()
    finally:
        stack.stop()

    assert PASSWORD.encode() not in cmdline
    assert b"DESK_API_TOKENS" not in environ  # operator tokens are not handed on
    assert b"relay" in cmdline
    assert f"DESK_STORE={url}".encode() in environ.split(b"\0")
