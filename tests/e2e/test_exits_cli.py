"""`desk position close`, `desk order cancel`, `desk account flatten`, `desk flatten --all`
and `desk risk loss-limit` on a sample-day store: what they log, and the paper desk then
exiting at the next bar when it runs on. They run as asha (an admin) by her token; who may
run each is the API's rule (an approver exits an order, position or account; an admin the
desk or its loss limit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from adapters.files.sample import SAMPLE_DIR
from api.operator import approve
from cli.main import main
from domain.events import ExitRequested, PositionClosed
from domain.values import Leg
from streams.bootstrap import bootstrap, wall_clock
from streams.feed import feed_day, sample_day
from tests.e2e.conftest import OPERATORS, TOKENS_SPEC
from tests.served import INSTRUMENTS, WAITING, seed_sample_day

SIP = WAITING[0]
ORDER = SIP.replace("card-", "order-", 1)


@pytest.fixture(autouse=True)
def as_asha(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's operators, and asha's token as the caller's (`$DESK_TOKEN`)."""
    monkeypatch.setenv("DESK_API_TOKENS", TOKENS_SPEC)
    monkeypatch.setenv("DESK_TOKEN", OPERATORS["asha"][1])


def feed_until(db: Path, hour: int, minute: int) -> None:
    """Run the paper desk on the log and feed the sample day on to hour:minute IST."""
    desk = bootstrap(f"sqlite:///{db}", INSTRUMENTS, clock=wall_clock)
    day = sample_day(SAMPLE_DIR)
    feed_day(desk.runtime, desk.store, day, "operator:setup", desk.clock,
             until=day.day.replace(hour=hour, minute=minute))
    desk.store.close()


@pytest.fixture(scope="module")
def holding(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sip-aggressive approved its BAJAJ-AUTO card at 13:35; the entry filled by 13:36
    (its target is reached at 13:37: an exit asked for now comes first)."""
    db = seed_sample_day(tmp_path_factory.mktemp("exits-cli") / "desk.db")
    desk = bootstrap(f"sqlite:///{db}", INSTRUMENTS, clock=wall_clock)
    approve(desk, desk.runtime.view.as_of or wall_clock(), SIP, "operator:amy")
    desk.store.close()
    feed_until(db, 13, 36)
    return db


def payloads(db: Path, kind: type) -> list:  # type: ignore[type-arg]
    store = DeskStore(f"sqlite:///{db}")
    try:
        return [r.event.payload for r in store.read_all() if isinstance(r.event.payload, kind)]
    finally:
        store.close()


def head(db: Path) -> int:
    store = DeskStore(f"sqlite:///{db}")
    try:
        return store.head()
    finally:
        store.close()


def test_position_close_when_held_then_logged_and_the_desk_exits_at_the_next_bar(
    holding: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    store = f"sqlite:///{holding}"

    code = main(["position", "close", "sip-aggressive", "BAJAJ-AUTO", "--reason",
                 "results tomorrow", "--store", store])
    feed_until(holding, 13, 45)

    assert code == 0
    assert f"close requested: {ORDER} (sip-aggressive) by operator:asha" in capsys.readouterr().out
    [request] = payloads(holding, ExitRequested)
    assert request.reason == "results tomorrow" and request.scope == "position"
    closed = [c for c in payloads(holding, PositionClosed) if c.order_id == ORDER]
    assert [c.exit_leg for c in closed] == [Leg.OPERATOR]


def test_order_cancel_when_entry_already_filled_then_refused_and_nothing_stored(
    holding: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    before = len(payloads(holding, ExitRequested))

    code = main(["order", "cancel", ORDER, "--reason", "too late", "--store",
                 f"sqlite:///{holding}"])

    assert code == 1
    assert "nothing stored" in capsys.readouterr().err
    assert len(payloads(holding, ExitRequested)) == before


def test_flatten_when_all_not_said_then_usage_error(holding: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["flatten", "--reason", "x", "--store", f"sqlite:///{holding}"])
    assert exit_.value.code == 2


def test_account_flatten_when_nothing_live_then_refused_naming_why(
    holding: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["account", "flatten", "income-conservative", "--reason", "x", "--store",
                 f"sqlite:///{holding}"])
    assert code == 1
    assert "nothing to exit" in capsys.readouterr().err


def test_risk_loss_limit_when_set_then_printed_and_a_second_time_unchanged(
    holding: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    store = f"sqlite:///{holding}"
    first = main(["risk", "loss-limit", "25,000", "--reason", "budget", "--store", store])
    second = main(["risk", "loss-limit", "25000", "--reason", "budget", "--store", store])
    out = capsys.readouterr().out
    assert first == second == 0
    assert "desk daily loss limit 25000 rupees\n" in out
    assert "desk daily loss limit 25000 rupees (unchanged)" in out


@pytest.mark.parametrize(("who", "command", "says"), [
    (None, ["position", "close", "sip-aggressive", "BAJAJ-AUTO"], "DESK_TOKEN"),
    ("vic", ["order", "cancel", ORDER], "vic (role viewer) may not"),
    ("vic", ["account", "flatten", "sip-aggressive"], "vic (role viewer) may not"),
    ("amy", ["flatten", "--all"], "amy (role approver) may not"),
    ("amy", ["risk", "loss-limit", "1000"], "amy (role approver) may not"),
])
def test_exit_when_token_missing_or_role_too_low_then_exit_2_and_nothing_logged(
    holding: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    who: str | None, command: list[str], says: str,
) -> None:
    if who is None:
        monkeypatch.delenv("DESK_TOKEN")
    else:
        monkeypatch.setenv("DESK_TOKEN", OPERATORS[who][1])
    before = head(holding)

    code = main([*command, "--reason", "x", "--store", f"sqlite:///{holding}"])

    assert code == 2 and says in capsys.readouterr().err
    assert head(holding) == before


def test_account_flatten_when_run_by_an_approver_then_past_identity_to_the_desk_rules(
    holding: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DESK_TOKEN", OPERATORS["amy"][1])

    code = main(["account", "flatten", "income-conservative", "--reason", "x", "--store",
                 f"sqlite:///{holding}"])

    assert code == 1  # past the identity check: refused only because nothing is live
    assert "nothing to exit" in capsys.readouterr().err
