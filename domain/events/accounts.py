"""Accounts: opening, mandates, and every rupee moved in the cash ledger."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from domain.events.envelope import Payload, register
from domain.money import PositiveMoney
from domain.values import Mandate


@register
class AccountOpened(Payload):
    account_id: str
    name: Annotated[str, Field(min_length=1, max_length=200)]


@register
class MandateSet(Payload):
    """A new mandate version, with who set it and why."""

    account_id: str
    version: Annotated[int, Field(ge=1)]
    mandate: Mandate
    reason: str


@register
class CashDeposited(Payload):
    account_id: str
    amount: PositiveMoney
    reference: str


@register
class CashReserved(Payload):
    """Available cash set aside for an approved card."""

    account_id: str
    card_id: str
    amount: PositiveMoney


@register
class CashReleased(Payload):
    """A reservation (or what is left of it) returned to available."""

    account_id: str
    card_id: str
    amount: PositiveMoney
    reason: str


@register
class CashDeployed(Payload):
    """Reserved cash paid out for an entry fill (notional plus charges)."""

    account_id: str
    card_id: str
    order_id: str
    amount: PositiveMoney


@register
class CashReturned(Payload):
    """Exit proceeds (notional less charges) back to available."""

    account_id: str
    order_id: str
    amount: PositiveMoney
    cost_basis: PositiveMoney
