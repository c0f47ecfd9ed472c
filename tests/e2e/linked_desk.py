"""A desk store for `desk serve` end-to-end tests: accounts linked to a broker as `desk
broker add` records them, each with one card (buy 30 TCS at 500) waiting for an approver,
and the fake venues' controls run on a loop of their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.eventstore.store import DeskStore
from domain.aggregates import Account, BrokerAccount, TradeCard
from domain.ids import account_stream, broker_stream
from tests.unit.conftest import T0, cause, mandate, proposal

D = Decimal
DEPOSIT = D("100000.00")
QUANTITY = 30


@dataclass(frozen=True)
class Linked:
    """One account, its broker link and its waiting card."""

    account_id: str
    broker: str
    settings: Mapping[str, str]
    credentials: Mapping[str, str] = field(default_factory=dict)
    card_id: str = ""

    @property
    def card(self) -> str:
        return self.card_id or f"card-{self.account_id}"


def seed_linked(db: Path, *accounts: Linked) -> Path:
    """The store at `db` with each account opened, funded, linked and carded."""
    store = DeskStore(f"sqlite:///{db}")
    try:
        for n, linked in enumerate(accounts):
            store.commit(*_account(linked, n))
    finally:
        store.close()
    return db


def _account(linked: Linked, n: int) -> tuple[Any, ...]:
    account = Account(account_stream(linked.account_id))
    account.open(f"Holder {linked.account_id}", cause())
    account.set_mandate(mandate(cash_buffer_pct=D("0")), "test", cause())
    account.deposit(DEPOSIT, f"neft-{linked.account_id}", cause())
    link = BrokerAccount(broker_stream(linked.account_id))
    link.configure(
        linked.account_id,
        linked.broker,
        dict(linked.credentials),
        dict(linked.settings),
        "test",
        cause(),
    )
    card = TradeCard(linked.card)
    card.propose(
        proposal(
            card_id=linked.card,
            account_id=linked.account_id,
            signal_id=f"sig-{n + 1}",
            quantity=QUANTITY,
            adv_value=D("1000000000"),
            sector="IT",
            catalyst_at=T0,
        ),
        cause(),
    )
    return account, link, card
