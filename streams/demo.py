"""`desk demo`: the sample NSE day through the embedded desk, approved by a named operator,
and the end-of-day figures both runtimes print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.eventstore.store import ViewSnapshots
from adapters.files.sample import load_instruments
from domain.money import ZERO
from projections.desk import LIVE_VIEW, DeskView, snapshot
from streams.bootstrap import Desk, bootstrap
from streams.feed import feed_day, sample_day
from streams.ports import Clock


def run_demo(store_url: str, directory: Path, operator: str, clock: Clock) -> Desk:
    """Run the whole sample day; re-running on the same store adds nothing new."""
    desk = bootstrap(
        store_url, load_instruments(directory / "instruments.csv"),
        approver=operator, clock=clock,
    )
    feed_day(desk.runtime, desk.store, sample_day(directory), f"operator:{operator}", clock)
    save_live_view(desk)
    return desk


def save_live_view(desk: Desk) -> None:
    """Save the desk's view as the `LIVE_VIEW` snapshot row (what `desk replay` checks)."""
    view = desk.runtime.view
    ViewSnapshots(desk.store).save(
        LIVE_VIEW, view.position, json.dumps(snapshot(view), sort_keys=True)
    )


def summary(view: DeskView, operator: str) -> dict[str, Any]:
    """End-of-day figures per account, as the demo prints them."""
    accounts = {}
    for account_id in sorted(view.accounts):
        cards = [c for c in view.cards.values() if c.account_id == account_id]
        orders = [o for o in view.orders.by_id.values() if o.account_id == account_id]
        cash = view.cash.get(account_id)
        accounts[account_id] = {
            "name": view.accounts[account_id].name,
            "cards_proposed": sum(c.status != "BLOCKED" for c in cards),
            # A denied card was approved, then could not become an order.
            "cards_approved": sum(c.status in ("APPROVED", "DENIED") for c in cards),
            "cards_blocked": sum(c.status == "BLOCKED" for c in cards),
            "orders": len(orders),
            "fills": sum(o.fills for o in orders),
            "closed_trades": sum(o.status == "CLOSED" for o in orders),
            "open_positions": [
                {"symbol": p.symbol, "quantity": p.quantity, "average_price": str(p.average_price),
                 "unrealised_pnl": str(p.unrealised(view.positions.marks.get(p.symbol)))}
                for p in view.positions.of(account_id) if p.quantity
            ],
            "realised_pnl": str(cash.realised_pnl if cash else ZERO),
            "costs": str(cash.costs if cash else ZERO),
            "cash": {
                "available": str(cash.available if cash else ZERO),
                "reserved": str(cash.reserved if cash else ZERO),
                "deployed": str(cash.deployed if cash else ZERO),
                "buffer": str(cash.buffer if cash else ZERO),
            },
            "kill_switch": view.kills[account_id].reason
            if account_id in view.kills and view.kills[account_id].tripped else "",
        }
    return {
        "approved_by": f"operator:{operator}",
        "log_position": view.position,
        "events": sum(view.counts.values()),
        "inputs_rejected": view.counts.get("InputRejected", 0),
        "accounts": accounts,
    }


def print_summary(data: dict[str, Any]) -> None:
    """Print `summary`'s figures as the demo's end-of-day report."""
    print(f"eventdesk demo - sample day approved by {data['approved_by']} "
          f"(every approval is recorded with that actor)")
    print(f"log: {data['events']} events, head position {data['log_position']}, "
          f"{data['inputs_rejected']} inputs rejected")
    for account_id, a in data["accounts"].items():
        cash = a["cash"]
        print(f"\n{a['name']} [{account_id}]")
        print(f"  cards proposed {a['cards_proposed']}, approved {a['cards_approved']}, "
              f"blocked {a['cards_blocked']}; orders {a['orders']}, fills {a['fills']}, "
              f"closed trades {a['closed_trades']}")
        print(f"  realised P&L {a['realised_pnl']} (costs {a['costs']})")
        print(f"  cash available {cash['available']}, reserved {cash['reserved']}, "
              f"deployed {cash['deployed']}, buffer {cash['buffer']}")
        for p in a["open_positions"]:
            print(f"  open: {p['symbol']} x{p['quantity']} @ {p['average_price']} "
                  f"(unrealised {p['unrealised_pnl']})")
        if a["kill_switch"]:
            print(f"  KILL SWITCH: {a['kill_switch']}")

