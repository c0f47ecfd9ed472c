"""Accounts: the list, and one account with its mandate history and cash ledger."""

from __future__ import annotations

from api import present
from api import schemas as s
from api.context import Call
from api.errors import not_found
from domain.ids import account_stream


async def list_accounts(call: Call) -> s.AccountList:
    """Every account with its mandate and cash summary."""
    async with call.state.gate.reading():
        return s.AccountList(accounts=present.account_summaries(call.state.desk.runtime.view))


async def get_account(call: Call) -> s.AccountDetail:
    """One account in full: mandate history and cash ledger."""
    return await account_detail(call, call.path["account_id"])


async def account_detail(call: Call, account_id: str) -> s.AccountDetail:
    """One account with its mandate history and cash ledger (404 when unknown)."""
    view = call.state.desk.runtime.view
    async with call.state.gate.reading():
        row = view.accounts.get(account_id)
        if row is None:
            raise not_found("account_id", f"no account {account_id!r}")
        name, halted = row.name, view.halted(account_id)
        mandate, version = row.mandate, row.mandate_version
        cash = present.cash(account_id, view.cash.get(account_id))
    stream = await call.state.gate.read_store(
        call.state.desk.store.stream, account_stream(account_id))
    return s.AccountDetail(
        account_id=account_id, name=name, halted=halted, mandate=mandate,
        approval_policy=mandate.policy() if mandate else None,
        mandate_version=version, mandate_history=present.mandate_history(stream), cash=cash,
        cash_ledger=present.cash_ledger(stream),
    )
