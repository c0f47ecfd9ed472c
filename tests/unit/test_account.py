"""Account: opening, mandates and the cash ledger (available, reserved, deployed)."""

from __future__ import annotations

import pytest

from domain.aggregates import Account, DomainError
from domain.events import (
    CashDeployed,
    CashDeposited,
    CashReleased,
    CashReturned,
    MandateSet,
)
from domain.ids import account_stream
from tests.unit.conftest import D, cause, mandate


def funded(amount: str = "100000.00") -> Account:
    """acc-1, open, with one deposit; its events already collected."""
    account = Account(account_stream("acc-1"))
    account.open("Asha Rao", cause())
    account.deposit(D(amount), "neft-1", cause())
    account.collect_events()
    return account


def payloads(account: Account) -> list[object]:
    return [e.payload for e in account.collect_events()]


def test_open_when_account_already_open_then_domain_error() -> None:
    account = funded()

    with pytest.raises(DomainError, match="already open"):
        account.open("Asha Rao", cause())
    assert not account.has_pending


def test_deposit_when_account_not_open_then_domain_error() -> None:
    account = Account(account_stream("acc-1"))

    with pytest.raises(DomainError, match="not open"):
        account.deposit(D("1000"), "neft-1", cause())


def test_deposit_when_reference_repeats_then_credited_once() -> None:
    account = funded("100000.00")

    account.deposit(D("100000.00"), "neft-1", cause())
    account.deposit(D("2500.50"), "neft-2", cause())

    assert payloads(account) == [
        CashDeposited(account_id="acc-1", amount=D("2500.50"), reference="neft-2")
    ]
    assert account.available == D("102500.50")


def test_reserve_when_amount_exceeds_available_then_domain_error_and_nothing_moves() -> None:
    account = funded("50000.00")

    with pytest.raises(DomainError, match="exceeds available"):
        account.reserve("card-1", D("50000.01"), cause())
    assert account.available == D("50000.00")
    assert account.reserved == 0
    assert not account.has_pending


def test_reserve_when_within_available_then_moves_cash_to_reserved() -> None:
    account = funded("100000.00")

    account.reserve("card-1", D("50250.00"), cause())

    assert account.available == D("49750.00")
    assert account.reserved == D("50250.00")


def test_reserve_when_card_already_reserved_then_recorded_once() -> None:
    account = funded()
    account.reserve("card-1", D("50250.00"), cause())

    account.reserve("card-1", D("50250.00"), cause())

    assert len(payloads(account)) == 1
    assert account.reserved == D("50250.00")


def test_deploy_when_fill_costs_less_than_reserved_then_pays_from_reservation_and_releases_rest(
) -> None:
    # Reserved 50,250.00; fill 100 x 500 + 59.37 charges = 50,059.37; 190.63 goes back.
    account = funded("100000.00")
    account.reserve("card-1", D("50250.00"), cause())
    account.collect_events()

    account.deploy("card-1", "order-1", D("50059.37"), cause())

    assert payloads(account) == [
        CashDeployed(account_id="acc-1", card_id="card-1", order_id="order-1",
                     amount=D("50059.37")),
        CashReleased(account_id="acc-1", card_id="card-1", amount=D("190.63"),
                     reason="unused reservation after entry fill"),
    ]
    assert account.available == D("49940.63")
    assert account.reserved == 0
    assert account.deployed == {"order-1": D("50059.37")}


def test_deploy_when_fill_costs_more_than_reserved_then_rest_comes_from_available() -> None:
    account = funded("100000.00")
    account.reserve("card-1", D("50000.00"), cause())

    account.deploy("card-1", "order-1", D("50100.00"), cause())

    assert account.available == D("49900.00")
    assert account.reserved == 0


def test_deploy_when_cost_exceeds_reserved_plus_available_then_domain_error() -> None:
    account = funded("60000.00")
    account.reserve("card-1", D("50000.00"), cause())
    account.collect_events()

    with pytest.raises(DomainError, match="exceeds reserved"):
        account.deploy("card-1", "order-1", D("60000.01"), cause())
    assert not account.has_pending


def test_deploy_when_order_already_deployed_then_recorded_once() -> None:
    account = funded()
    account.reserve("card-1", D("50250.00"), cause())
    account.deploy("card-1", "order-1", D("50059.37"), cause())
    account.collect_events()

    account.deploy("card-1", "order-1", D("50059.37"), cause())

    assert not account.has_pending


def test_return_cash_when_order_was_deployed_then_proceeds_credited_and_basis_cleared() -> None:
    # 100 x 530 - 54.96 exit charges = 52,945.04 proceeds on a 50,059.37 basis.
    account = funded("100000.00")
    account.reserve("card-1", D("50250.00"), cause())
    account.deploy("card-1", "order-1", D("50059.37"), cause())
    account.collect_events()

    account.return_cash("order-1", D("52945.04"), cause())

    assert payloads(account) == [
        CashReturned(account_id="acc-1", order_id="order-1", amount=D("52945.04"),
                     cost_basis=D("50059.37")),
    ]
    assert account.deployed == {}
    assert account.available == D("102885.67")


def test_return_cash_when_order_unknown_then_nothing_recorded() -> None:
    account = funded()

    account.return_cash("order-9", D("1000"), cause())

    assert not account.has_pending


def test_release_when_card_reserved_then_whole_reservation_returns() -> None:
    account = funded("100000.00")
    account.reserve("card-1", D("50250.00"), cause())
    account.collect_events()

    account.release("card-1", "order rejected", cause())

    assert payloads(account) == [
        CashReleased(account_id="acc-1", card_id="card-1", amount=D("50250.00"),
                     reason="order rejected"),
    ]
    assert account.available == D("100000.00")


def test_set_mandate_when_changed_then_new_version_and_unchanged_then_nothing() -> None:
    account = funded()

    account.set_mandate(mandate(), "onboarding", cause())
    account.set_mandate(mandate(), "same again", cause())
    account.set_mandate(mandate(max_position_pct=D("10")), "tighter", cause())

    assert [(p.version, p.reason) for p in payloads(account) if isinstance(p, MandateSet)] == [
        (1, "onboarding"), (2, "tighter")
    ]
    assert account.mandate_version == 2


def test_replay_when_given_collected_events_then_same_ledger() -> None:
    account = Account(account_stream("acc-1"))
    account.open("Asha Rao", cause())
    account.set_mandate(mandate(), "onboarding", cause())
    account.deposit(D("100000.00"), "neft-1", cause())
    account.reserve("card-1", D("50250.00"), cause())
    account.reserve("card-2", D("10000.00"), cause())
    account.deploy("card-1", "order-1", D("50059.37"), cause())
    events = account.collect_events()

    rebuilt = Account.replay(account.id, events)

    assert rebuilt.version == account.version == len(events)
    assert (rebuilt.name, rebuilt.mandate, rebuilt.mandate_version) == (
        "Asha Rao", mandate(), 1
    )
    # 5% of the 1,00,000 funded is buffer, held out of the 39,940.63 free cash.
    assert rebuilt.available == account.available == D("34940.63")
    assert rebuilt.buffer == account.buffer == D("5000.00")
    assert rebuilt.ledger == account.ledger
    assert rebuilt.reserved == D("10000.00")
    assert rebuilt.deployed == account.deployed
    assert rebuilt.deposit_refs == {"neft-1"}
