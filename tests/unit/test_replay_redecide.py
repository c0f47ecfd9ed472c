"""Deciding a logged day again: a morning on the embedded desk with a DCA strategy whose
new version is published and deployed to one account before the open and to every
account from 10:30, then paused at 11:00, every card approved by the demo policy so cash
and positions move. The log's inputs through a fresh desk give the same cards, byte for
byte; a log whose decision was tampered with is caught."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from adapters.files.strategy_book import parse_strategy_book, strategy_definitions
from domain.aggregates import Account
from domain.events import CardBlocked, CardProposed, Recorded, SignalScored
from domain.ids import account_stream
from domain.inputs import InputFact
from domain.session import IST
from replay.redecide import redecide
from streams import strategy_commands as sc
from streams.bootstrap import bootstrap
from streams.process_managers.auto_approver import DEMO_POLICY
from streams.unit_of_work import UnitOfWork
from tests.unit.conftest import D, bar, cause, mandate
from tests.unit.test_dca import INSTRUMENTS

V1 = """
version: replay-test-1
strategies:
  tcs_dca:
    kind: dca
    direction: long
    symbol: TCS
    amount: 10000
    schedule: "*/15 9-14 * * 1-5"
"""
V2 = V1.replace("amount: 10000", "amount: 25000").replace("-1\n", "-2\n")
BOOK = parse_strategy_book(V1)
DAY = datetime(2025, 1, 6, tzinfo=IST)  # a Monday
ONE_ACCOUNT = "sip-b"
CHAIN = {"actor": "operator:asha", "correlation_id": "strategy-tcs_dca"}


def _at(hh: int, mm: int) -> datetime:
    return datetime.combine(DAY.date(), time(hh, mm), IST)


def _live_day(db: Path) -> list[Recorded]:
    """09:14 v2 published and deployed (sip-b now, everyone from 10:30); 5-minute TCS bars
    09:20 to 12:00; tcs_dca paused at 11:00."""
    now = [_at(9, 0)]
    desk = bootstrap(
        f"sqlite:///{db}", INSTRUMENTS, approver=DEMO_POLICY, clock=lambda: now[-1], book=BOOK
    )

    def command(cmd: sc.Command) -> None:
        uow = UnitOfWork(desk.store, desk.clock)
        sc.handle(cmd, uow, desk.runtime.view, desk.book)
        desk.runtime.execute(uow)

    for account_id in ("sip-a", ONE_ACCOUNT):
        uow = UnitOfWork(desk.store, desk.clock)
        account = uow.get(Account, account_stream(account_id))
        opening = cause(_at(9, 0), actor=CHAIN["actor"], correlation_id=f"setup-{account_id}")
        account.open(account_id, opening)
        account.set_mandate(mandate(cash_buffer_pct=D("0")), "intake", opening)
        account.deposit(D("300000.00"), f"neft-{account_id}", opening)
        desk.runtime.execute(uow)
    v2 = strategy_definitions(V2, "v2.yaml")[0].version_id
    command(sc.PublishStrategies(**CHAIN, at=_at(9, 14), text=V2, source="v2.yaml"))
    command(
        sc.DeployStrategy(
            **CHAIN,
            at=_at(9, 14),
            strategy="tcs_dca",
            version_id=v2,
            accounts=(ONE_ACCOUNT,),
            effective_from=_at(9, 14),
            reason="try it on one account",
        )
    )
    command(
        sc.DeployStrategy(
            **CHAIN,
            at=_at(9, 14),
            strategy="tcs_dca",
            version_id=v2,
            effective_from=_at(10, 30),
            reason="tried: every account",
        )
    )
    for i, end in enumerate(_bar_ends()):
        now.append(end)
        if end >= _at(11, 0) and end - timedelta(minutes=5) < _at(11, 0):
            command(sc.PauseStrategy(**CHAIN, at=end, strategy="tcs_dca", reason="volatile midday"))
        close = f"{1200 + 7 * (i % 9) - 3 * (i % 4)}.50"
        tcs = bar(
            close, close, close, close, start=end - timedelta(minutes=5), symbol="TCS", minutes=5
        )
        desk.runtime.ingest([InputFact("bars-TCS", i + 1, tcs, end, "feed")])
    log = list(desk.store.read_all())
    desk.store.close()
    return log


def _bar_ends() -> Iterator[datetime]:
    end = _at(9, 20)
    while end <= _at(12, 0):
        yield end
        end += timedelta(minutes=5)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> list[Recorded]:
    return _live_day(tmp_path_factory.mktemp("live") / "desk.db")


def test_redecide_when_a_day_had_a_version_change_and_a_pause_then_the_same_cards(
    day: list[Recorded],
    tmp_path: Path,
) -> None:
    result = redecide(day, f"sqlite:///{tmp_path / 'again.db'}", INSTRUMENTS, BOOK)

    assert result.first_difference() == ""
    assert result.same
    proposed = [r.event.payload for r in day if isinstance(r.event.payload, CardProposed)]
    versions = {(c.account_id, c.strategy_version) for c in proposed}
    assert len({v for _, v in versions}) == 2, "both versions made cards"
    assert any(isinstance(r.event.payload, CardBlocked) for r in day), "a guardrail said no"
    late = [
        r
        for r in day
        if isinstance(r.event.payload, SignalScored) and r.event.occurred_at > _at(11, 0)
    ]
    assert late == [], "no DCA signal after the pause"


def test_redecide_when_a_logged_card_was_altered_then_the_difference_is_named(
    day: list[Recorded],
    tmp_path: Path,
) -> None:
    i, first = next((i, r) for i, r in enumerate(day) if isinstance(r.event.payload, CardProposed))
    forged_card = first.event.payload.model_copy(update={"quantity": 999})
    forged = [
        *day[:i],
        Recorded(first.position, first.event.model_copy(update={"payload": forged_card})),
        *day[i + 1 :],
    ]

    result = redecide(forged, f"sqlite:///{tmp_path / 'again.db'}", INSTRUMENTS, BOOK)

    assert not result.same
    assert result.first_difference().startswith("card 1 differs")
    assert '"quantity":999' in result.first_difference()
