"""`desk demo`: the sample NSE day through the embedded desk, approved by a named operator,
and the end-of-day figures both runtimes print."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.eventstore.store import ViewSnapshots
from adapters.files.calendar import load_calendar
from adapters.files.sample import load_instruments
from domain.money import ZERO
from domain.session import IST
from projections.desk import LIVE_VIEW, DeskView, snapshot
from streams.bootstrap import AnyDesk, Desk, bootstrap
from streams.feed import feed_day, later_day, sample_day
from streams.ports import Clock
from streams.process_managers.auto_approver import DEMO_POLICY, policy_actor


def run_demo(store_url: str, directory: Path, operator: str, clock: Clock, *, days: int = 1,
             after_day: Callable[[Desk], None] | None = None) -> Desk:
    """Run the whole sample day (`operator` opens the sample accounts, the `DEMO_POLICY`
    approves every card), then, for `days` > 1, its facts again on each next trading day
    (`streams.feed.later_day`); `after_day` runs after each (the judge reviews there).
    Re-running on the same store adds nothing new, so `--days 2` after a first run feeds
    only the second day."""
    desk = bootstrap(
        store_url, load_instruments(directory / "instruments.csv"),
        approver=DEMO_POLICY, clock=clock,
    )
    first, calendar = sample_day(directory), load_calendar()
    for n in range(days):
        feed_day(desk.runtime, desk.store, later_day(first, n, calendar),
                 f"operator:{operator}", clock)
        if after_day is not None:
            after_day(desk)
    save_live_view(desk)
    return desk


def save_live_view(desk: AnyDesk) -> None:
    """Save the desk's view as the `LIVE_VIEW` snapshot row (what `desk replay` checks)."""
    view = desk.runtime.view
    ViewSnapshots(desk.store).save(
        LIVE_VIEW, view.position, json.dumps(snapshot(view), sort_keys=True)
    )


def summary(view: DeskView, policy: str = DEMO_POLICY) -> dict[str, Any]:
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
            "cards_rejected": sum(c.status == "REJECTED" for c in cards),
            "cards_expired": sum(c.status == "EXPIRED" for c in cards),
            "cards_waiting": sum(c.status == "PROPOSED" for c in cards),
            "cards_blocked": sum(c.status == "BLOCKED" for c in cards),
            "rejections": [{"card_id": c.card_id, "symbol": c.symbol, "by": c.decided_by,
                            "reason": c.reason}
                           for c in sorted(cards, key=lambda c: c.card_id)
                           if c.status == "REJECTED"],
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
            "kill_switch_since": _since(view, account_id),
        }
    return {
        "approved_by": policy_actor(policy),
        "log_position": view.position,
        "events": sum(view.counts.values()),
        "inputs_rejected": view.counts.get("InputRejected", 0),
        "accounts": accounts,
    }


def _since(view: DeskView, account_id: str) -> str:
    kill = view.kills.get(account_id)
    if kill is None or not kill.tripped or kill.since is None:
        return ""
    return f"{kill.since.astimezone(IST):%H:%M} IST"


def print_summary(data: dict[str, Any]) -> None:
    """Print `summary`'s figures as the demo's end-of-day report."""
    print(f"eventdesk demo - sample day approved by {data['approved_by']} (an automated "
          f"policy that approves every proposed card; each approval records that actor, and "
          f"guardrails are re-checked at approval)")
    print(f"log: {data['events']} events, head position {data['log_position']}, "
          f"{data['inputs_rejected']} inputs rejected")
    for account_id, a in data["accounts"].items():
        cash = a["cash"]
        print(f"\n{a['name']} [{account_id}]")
        print(f"  cards proposed {a['cards_proposed']} (approved {a['cards_approved']}, "
              f"rejected at approval {a['cards_rejected']}, expired {a['cards_expired']}, "
              f"waiting {a['cards_waiting']}), blocked before proposal {a['cards_blocked']}; "
              f"orders {a['orders']}, fills {a['fills']}, closed trades {a['closed_trades']}")
        for r in a["rejections"]:
            print(f"  rejected {r['symbol']} ({r['card_id']}): {r['reason']}")
        print(f"  realised P&L {a['realised_pnl']} (costs {a['costs']})")
        print(f"  cash available {cash['available']}, reserved {cash['reserved']}, "
              f"deployed {cash['deployed']}, buffer {cash['buffer']}")
        for p in a["open_positions"]:
            print(f"  open: {p['symbol']} x{p['quantity']} @ {p['average_price']} "
                  f"(unrealised {p['unrealised_pnl']})")
        if a["kill_switch"]:
            # The limit is checked on the day's P&L at the trip; exits of positions already
            # open keep realising P&L afterwards, so the day can end below the limit figure.
            print(f"  KILL SWITCH since {a['kill_switch_since']}: {a['kill_switch']}; new "
                  f"entries stopped there, open positions then ran to their exits "
                  f"(day's realised P&L {a['realised_pnl']})")

