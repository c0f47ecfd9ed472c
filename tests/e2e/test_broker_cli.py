"""`desk broker add|login|status` against the local Upstox and Kite fakes (their token
endpoints speak the documented wire format) and an IBKR gateway fake: what is logged (never
a secret), what login stores (owner-only), and what status shows. `add` and `login` run as
asha, an admin, by her token (`$DESK_TOKEN`); `status` needs none."""

from __future__ import annotations

import asyncio
import io
import stat
import threading
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from adapters.brokers.zerodha.parsing import client_tag
from adapters.eventstore.store import DeskStore
from cli.main import main
from devtools.venues import ibkr as ibkr_fake
from devtools.venues import upstox as upstox_fake
from devtools.venues.ibkr_app import ACCOUNT as IBKR_ACCOUNT
from devtools.venues.zerodha import KiteFake
from domain.aggregates import Account
from domain.events import BrokerConfigured
from domain.ids import account_stream
from tests.e2e.conftest import OPERATORS, TOKENS_SPEC
from tests.unit.conftest import D, cause, mandate

T = TypeVar("T")


class FakeLoop:
    """An event loop on its own thread for a fake venue (the CLI runs its own loop)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()  # type: ignore[arg-type]

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


@pytest.fixture(autouse=True)
def as_asha(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's operators, and asha's token as the caller's."""
    monkeypatch.setenv("DESK_API_TOKENS", TOKENS_SPEC)
    monkeypatch.setenv("DESK_TOKEN", OPERATORS["asha"][1])


@pytest.fixture
def fakes() -> Iterator[FakeLoop]:
    loop = FakeLoop()
    yield loop
    loop.stop()


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    desk = DeskStore(url)
    account = Account(account_stream("asha"))
    account.open("Asha", cause())
    account.set_mandate(mandate(), "test", cause())
    account.deposit(D("100000.00"), "neft-1", cause())
    desk.commit(account)
    desk.close()
    return url


def log_text(url: str) -> str:
    desk = DeskStore(url)
    try:
        return "\n".join(r.event.model_dump_json() for r in desk.read_all())
    finally:
        desk.close()


def typed(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text + "\n"))


def test_broker_upstox_when_added_logged_in_and_checked_then_token_stored_owner_only(
    fakes: FakeLoop, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, runner = fakes.run(upstox_fake.start())
    monkeypatch.setenv("ASHA_UPSTOX_KEY", fake.api_key)
    monkeypatch.setenv("ASHA_UPSTOX_SECRET", fake.api_secret)
    monkeypatch.setenv("ASHA_UPSTOX_REDIRECT", fake.redirect_uri)
    state = tmp_path / "state"

    added = main(["broker", "add", "asha", "--broker", "upstox",
                  "--credential", "UPSTOX_API_KEY=env:ASHA_UPSTOX_KEY",
                  "--credential", "UPSTOX_API_SECRET=env:ASHA_UPSTOX_SECRET",
                  "--credential", "UPSTOX_REDIRECT_URI=env:ASHA_UPSTOX_REDIRECT",
                  "--set", f"api_host={fake.base_url}", "--set", f"order_host={fake.base_url}",
                  "--set", f"state_dir={state}", "--reason", "go live", "--store", store])
    before = main(["broker", "status", "--store", store])
    typed(monkeypatch, fake.issue_code())
    logged_in = main(["broker", "login", "asha", "--store", store])
    after = main(["broker", "status", "--store", store])
    fakes.run(runner.cleanup())

    out = capsys.readouterr().out
    assert added == before == logged_in == after == 0
    assert "UPSTOX_API_SECRET from env:ASHA_UPSTOX_SECRET: readable" in out
    assert "no usable token" in out
    assert f"{fake.base_url}/v2/login/authorization/dialog?response_type=code" in out
    assert "Upstox token stored (owner-only); it expires" in out
    assert "session: token valid (expires " in out
    assert "order rate limits: 10/1s, 500/60s, 2000/1800s" in out
    token_file = state / "upstox" / "token.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    text = log_text(store)
    assert fake.api_secret not in text and fake.api_secret not in out
    assert "env:ASHA_UPSTOX_SECRET" in text


def test_broker_add_when_a_secret_is_given_instead_of_its_place_then_refused_nothing_logged(
    store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["broker", "add", "asha", "--broker", "upstox", "--credential",
                 "UPSTOX_API_SECRET=s3cr3t-value", "--store", store])

    assert code == 2
    assert "not the secret itself" in capsys.readouterr().err
    assert "s3cr3t-value" not in log_text(store)
    assert "BrokerConfigured" not in log_text(store)


def test_broker_add_when_account_unknown_then_refused(
    store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["broker", "add", "nobody", "--broker", "paper", "--store", store])
    assert code == 1
    assert "unknown account nobody" in capsys.readouterr().err


def test_broker_zerodha_when_request_token_pasted_then_access_token_stored_owner_only(
    fakes: FakeLoop, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = KiteFake(api_key="kitekey", api_secret="kitesecret-9f2", access_token="",
                    tag_of=client_tag)
    runner = fakes.run(fake.start("127.0.0.1", 0))
    secret_file = tmp_path / "kite-secret"
    secret_file.write_text("kitesecret-9f2")
    secret_file.chmod(0o600)
    monkeypatch.setenv("KITE_API_KEY", "kitekey")
    state = tmp_path / "state"

    main(["broker", "add", "asha", "--broker", "zerodha",
          "--credential", f"KITE_API_SECRET=file:{secret_file}",
          "--set", f"api_url={fake.url}", "--set", f"state_dir={state}", "--store", store])
    typed(monkeypatch, fake.issue_request_token())
    code = main(["broker", "login", "asha", "--store", store])
    main(["broker", "status", "--store", store])
    fakes.run(runner.cleanup())

    out = capsys.readouterr().out
    assert code == 0, out
    assert "api_key=kitekey" in out and "Kite access token stored (owner-only)" in out
    token = state / "kite.token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600 and token.read_text() in fake.tokens
    assert "session: token valid" in out
    assert token.read_text() not in out and "kitesecret-9f2" not in log_text(store)


def test_broker_ibkr_when_gateway_session_is_up_then_login_reports_it_authenticated(
    fakes: FakeLoop, store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    gateway = ibkr_fake.IbkrGateway()
    runner, url = fakes.run(ibkr_fake.start(gateway))

    main(["broker", "add", "asha", "--broker", "ibkr", "--set", f"base_url={url}",
          "--set", f"account_id={IBKR_ACCOUNT}", "--store", store])
    code = main(["broker", "login", "asha", "--store", store])
    fakes.run(runner.cleanup())

    assert code == 0
    assert "IBKR gateway session: authenticated" in capsys.readouterr().out


def test_broker_status_when_nothing_configured_then_says_how_to_add(
    store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["broker", "status", "--store", store]) == 0
    assert "desk broker add ACCOUNT --broker" in capsys.readouterr().out


def _events(store: str) -> list[Any]:
    desk = DeskStore(store)
    try:
        return [r.event.payload for r in desk.read_all()
                if isinstance(r.event.payload, BrokerConfigured)]
    finally:
        desk.close()


def test_broker_add_when_the_same_setting_is_given_twice_then_logged_once(
    store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    for _ in range(2):
        main(["broker", "add", "asha", "--broker", "paper", "--store", store])
    assert len(_events(store)) == 1
    assert "asha: paper (unchanged)" in capsys.readouterr().out


@pytest.mark.parametrize(("who", "says"), [
    (None, "DESK_TOKEN"), ("amy", "amy (role approver) may not"),
])
def test_broker_add_and_login_when_token_missing_or_not_admin_then_exit_2_and_nothing_changes(
    store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    who: str | None, says: str,
) -> None:
    main(["broker", "add", "asha", "--broker", "paper", "--store", store])
    capsys.readouterr()
    if who is None:
        monkeypatch.delenv("DESK_TOKEN")
    else:
        monkeypatch.setenv("DESK_TOKEN", OPERATORS[who][1])

    added = main(["broker", "add", "asha", "--broker", "upstox", "--store", store])
    logged_in = main(["broker", "login", "asha", "--store", store])
    status = main(["broker", "status", "--store", store])

    out, err = capsys.readouterr()
    assert added == logged_in == 2 and err.count(says) == 2
    assert status == 0 and "asha: paper" in out  # reading needs no token
    assert [e.broker for e in _events(store)] == ["paper"]


def test_broker_add_when_run_by_an_admin_then_logged_as_that_operator(store: str) -> None:
    main(["broker", "add", "asha", "--broker", "paper", "--store", store])

    desk = DeskStore(store)
    actors = {r.event.actor for r in desk.read_all()
              if isinstance(r.event.payload, BrokerConfigured)}
    desk.close()
    assert actors == {"operator:asha"}
