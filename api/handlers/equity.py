"""An account's equity curve: equity and P&L per desk minute, for the console's chart."""

from __future__ import annotations

from api import schemas as s
from api.context import Call
from api.errors import not_found


async def get_equity(call: Call) -> s.EquityCurve:
    """An account's equity curve from the log (404 when the account is unknown)."""
    account_id = call.path["account_id"]
    async with call.state.gate.reading():
        known = account_id in call.state.desk.runtime.view.accounts
    if not known:
        raise not_found("account_id", f"no account {account_id!r}")
    points = await call.state.equity.points(call.state.gate, call.state.desk.store, account_id)
    return s.EquityCurve(account_id=account_id, points=[
        s.EquityPoint(at=p.at, equity=p.equity, pnl=p.pnl) for p in points])
