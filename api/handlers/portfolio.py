"""Orders with their fills, positions, cash and risk: the desk's books as they stand."""

from __future__ import annotations

from dataclasses import replace

from api import present
from api import schemas as s
from api.context import Call
from api.inputs import OrdersQuery, PositionsQuery
from domain.events import Envelope
from streams.ports import EventLog


async def list_orders(call: Call) -> s.OrderList:
    """Orders with their fills, filtered by account, status or symbol."""
    q: OrdersQuery = call.query
    async with call.state.gate.reading():
        rows = [
            replace(o, cancelled=list(o.cancelled))
            for o in sorted(call.state.desk.runtime.view.orders.by_id.values(),
                            key=lambda o: (o.placed_at, o.order_id))
            if (q.account is None or o.account_id == q.account)
            and (q.status is None or o.status == q.status)
        ]
    streams = await call.state.gate.read_store(
        _streams, call.state.desk.store, [o.order_id for o in rows if o.fills])
    return s.OrderList(orders=[
        present.order(o, present.fills(streams.get(o.order_id, []))) for o in rows
    ])


def _streams(store: EventLog, ids: list[str]) -> dict[str, list[Envelope]]:
    return {i: store.stream(i) for i in ids}


async def list_positions(call: Call) -> s.PositionList:
    """Open positions per account, marked at the last bar."""
    q: PositionsQuery = call.query
    async with call.state.gate.reading():
        return s.PositionList(positions=present.positions(
            call.state.desk.runtime.view, q.account, bool(q.open)))


async def list_cash(call: Call) -> s.CashList:
    """Each account's cash: available, reserved, deployed and buffer."""
    async with call.state.gate.reading():
        view = call.state.desk.runtime.view
        accounts = sorted(set(view.accounts) | set(view.cash))
        return s.CashList(cash=[present.cash(a, view.cash.get(a)) for a in accounts])


async def get_risk(call: Call) -> s.RiskReport:
    """Daily P&L, drawdown, exposure and kill switches, per account and desk-wide."""
    async with call.state.gate.reading():
        return present.risk(call.state.desk.runtime.view)
