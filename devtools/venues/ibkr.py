"""A local IBKR Client Portal gateway for tests and demos, on 127.0.0.1 over plain HTTP.

Written from IBKR's public Web API documentation (endpoints, payloads, the reply-question
flow, the `/ws` topics), independently of the desk's adapter: it shares none of its code.
It keeps one account's book (INR, NSE contracts with made-up conids from the sample
instruments file) and offers the controls a test needs (fill, cancel at the venue, fail,
expire the session, drop the socket, ask questions, answer late).
"""

from __future__ import annotations

import asyncio
import csv
import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web

from devtools.venues.ibkr_app import ACCOUNT, ROOT, build_app
from domain.values import Leg

INSTRUMENTS = Path(__file__).resolve().parents[2] / "data" / "sample" / "instruments.csv"
FIRST_CONID = 780_000_001
FINAL = ("Filled", "Cancelled", "Inactive")
TYPE_NAMES = {"MKT": "Market", "LMT": "Limit", "STP": "Stop"}


@dataclass
class Order:
    """One order in the fake's book, in IBKR's own terms."""

    order_id: int
    coid: str
    parent_coid: str
    conid: int
    side: str
    order_type: str
    quantity: int
    price: Decimal | None
    tif: str
    status: str
    filled: int = 0
    avg_price: Decimal | None = None
    updated_ms: int = 0




class IbkrGateway:
    """The fake gateway's state and its `FakeControls`."""

    def __init__(self, instruments: Path = INSTRUMENTS, cash: Decimal = Decimal("10000000")):
        with instruments.open() as f:
            rows = list(csv.DictReader(f))
        self.conids = {r["symbol"]: FIRST_CONID + i for i, r in enumerate(rows)}
        self.names = {r["symbol"]: r["name"] for r in rows}
        self.tickers = {c: s for s, c in self.conids.items()}
        self.session = secrets.token_hex(16)
        self.logged_in = True  # the browser login (SSO)
        self.authenticated = True  # the brokerage session on top of it
        self.cash = cash
        self.book: list[Order] = []
        self.trades: list[dict[str, Any]] = []
        self.holdings: dict[int, tuple[int, Decimal]] = {}
        self.questions: list[str] = []  # asked, in turn, before every new order request
        self.pending: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
        self.failures: list[int] = []
        self.delay = 0.0  # seconds an accepted order request waits before answering
        self.fill_on_accept: Decimal | None = None
        self.sockets: dict[web.WebSocketResponse, asyncio.Queue[str | None]] = {}
        self.subscribed: dict[web.WebSocketResponse, set[str]] = {}
        self.tickles = 0
        self.pings = 0  # `tic` messages received on the websocket
        self.primed = ""  # the session whose live-orders list `force=true` primed
        self._next_id = 1_500_000_001
        self.clock: Callable[[], float] = time.time  # its "now" (a replayed day: the bar time)

    def _ms(self) -> int:
        return int(self.clock() * 1000)

    # -- FakeControls -------------------------------------------------------------------
    def fill(self, client_order_id: str, leg: Leg, price: Decimal) -> None:
        """Fill a bracket's leg in full; an exit fill cancels the other exit (OCA)."""
        order = self._leg(client_order_id, leg)
        order.filled, order.avg_price, order.status = order.quantity, price, "Filled"
        order.updated_ms = self._ms()
        changed = [order]
        for other in self._bracket(order.parent_coid or order.coid):
            if other is order or other.status in FINAL:
                continue
            other.status = "Submitted" if leg is Leg.ENTRY else "Cancelled"
            changed.append(other)
        held, average = self.holdings.get(order.conid, (0, Decimal(0)))
        signed = order.quantity if order.side == "BUY" else -order.quantity
        if order.side == "BUY":
            average = (held * average + order.quantity * price) / (held + order.quantity)
        self.holdings[order.conid] = (held + signed, average if held + signed else Decimal(0))
        self.cash -= signed * price
        trade = self._trade(order, price)
        self.trades.append(trade)
        self.push("sor", [self.order_json(o) for o in changed])
        self.push("str", [trade])

    def cancel_at_venue(self, client_order_id: str) -> None:
        """Cancel whatever of the bracket still works, as IBKR's desk would."""
        self.cancel_orders([o for o in self._bracket(client_order_id) if o.status not in FINAL])

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` order requests with `status`."""
        self.failures += [status] * times

    def expire_session(self) -> None:
        """End the login: every call is 401 until someone logs in to the gateway again."""
        self.logged_in = self.authenticated = False
        self._broadcast({"topic": "sts", "args": {"authenticated": False}})

    def lapse_brokerage_session(self) -> None:
        """Drop only the brokerage session, which `ssodh/init` opens again."""
        self.authenticated = False

    def drop_updates_connection(self) -> None:
        """Close every websocket from this side."""
        for queue in self.sockets.values():
            queue.put_nowait(None)

    def placed_count(self, client_order_id: str) -> int:
        """Brackets (parent orders) held under this cOID."""
        return sum(1 for o in self.book if o.coid == client_order_id and not o.parent_coid)

    # -- the book ----------------------------------------------------------------------
    def _bracket(self, parent_coid: str) -> list[Order]:
        return [o for o in self.book
                if (o.coid == parent_coid and not o.parent_coid) or o.parent_coid == parent_coid]

    def _sale(self, parent_coid: str) -> Order | None:
        """A stand-alone sale whose cOID extends the bracket's (the desk's close)."""
        return next((o for o in self.book if o.coid.startswith(parent_coid + ".")
                     and not o.parent_coid and o.side == "SELL"), None)

    def _leg(self, parent_coid: str, leg: Leg) -> Order:
        sale = self._sale(parent_coid)
        if leg is Leg.OPERATOR and sale is not None:
            return sale
        for o in self._bracket(parent_coid):
            is_leg = {Leg.ENTRY: not o.parent_coid,
                      Leg.STOP: bool(o.parent_coid) and o.order_type == "STP",
                      Leg.TARGET: bool(o.parent_coid) and o.order_type == "LMT"}
            if is_leg.get(leg):
                return o
        raise KeyError(f"no {leg} order under {parent_coid}")

    def cancel_orders(self, orders: list[Order]) -> None:
        """Cancel orders (a parent takes its children with it) and push the change."""
        changed = []
        for order in orders:
            for o in [order, *([] if order.parent_coid else self._bracket(order.coid))]:
                if o.status not in FINAL:
                    o.status, o.updated_ms = "Cancelled", self._ms()
                    changed.append(o)
        self.push("sor", [self.order_json(o) for o in changed])

    def refusal(self, tickets: Any, account: str) -> str:
        """IBKR's words refusing an order request, or "" when it may go ahead."""
        if not isinstance(tickets, list) or not tickets:
            return "Orders are missing"
        coids = {t.get("cOID") for t in tickets if isinstance(t, dict)}
        for t in tickets:
            if not isinstance(t, dict) or t.get("acctId", account) != account:
                return "Account is not valid"
            if t.get("conid") not in self.tickers:
                return f"Contract {t.get('conid')} is not valid"
            if t.get("side") not in ("BUY", "SELL") or t.get("orderType") not in TYPE_NAMES:
                return "Invalid side or order type"
            if not isinstance(t.get("quantity"), int) or t["quantity"] <= 0:
                return "Invalid quantity"
            if t.get("parentId") and t["parentId"] not in coids:
                return f"Parent order {t['parentId']} is not in this request"
            if any(o.coid == t.get("cOID") for o in self.book):
                return (f"Order couldn't be submitted: Local order ID={t['cOID']} is "
                        "already registered.")
        return ""

    def place(self, tickets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Put the tickets in the book and answer as IBKR does for placed orders."""
        placed = []
        for t in tickets:
            order = Order(order_id=self._next_id, coid=str(t.get("cOID") or ""),
                          parent_coid=str(t.get("parentId") or ""), conid=t["conid"],
                          side=t["side"], order_type=t["orderType"], quantity=t["quantity"],
                          price=Decimal(str(t["price"])) if "price" in t else None,
                          tif=str(t.get("tif", "DAY")), updated_ms=self._ms(),
                          status="PreSubmitted" if t.get("parentId") else "Submitted")
            self._next_id += 1
            self.book.append(order)
            placed.append(order)
        self.push("sor", [self.order_json(o) for o in placed])
        if self.fill_on_accept is not None and not placed[0].parent_coid:
            self.fill(placed[0].coid, Leg.ENTRY, self.fill_on_accept)
        return [{"order_id": str(o.order_id), "order_status": o.status,
                 "local_order_id": o.coid, "encrypt_message": "1"} for o in placed]

    def question(self, tickets: list[dict[str, Any]], remaining: list[str]) -> list[Any]:
        """Hold the tickets behind the first remaining question."""
        reply_id = str(uuid.uuid4())
        self.pending[reply_id] = (tickets, remaining[1:])
        return [{"id": reply_id, "message": [remaining[0]], "isSuppressed": False,
                 "messageIds": ["o10000"], "messageOptions": []}]

    def order_json(self, o: Order) -> dict[str, Any]:
        """An order as `/iserver/account/orders` and the `sor` topic show it."""
        ticker = self.tickers[o.conid]
        parent = next((p for p in self.book if o.parent_coid and p.coid == o.parent_coid), None)
        data: dict[str, Any] = {
            "acct": ACCOUNT, "conid": o.conid, "orderId": o.order_id, "cashCcy": "INR",
            "sizeAndFills": f"{o.filled}/{o.quantity}", "ticker": ticker,
            "description1": ticker, "secType": "STK", "listingExchange": "NSE",
            "companyName": self.names[ticker], "remainingQuantity": float(
                0 if o.status in FINAL else o.quantity - o.filled),
            "filledQuantity": float(o.filled), "status": o.status,
            "origOrderType": TYPE_NAMES[o.order_type].upper(),
            "orderType": TYPE_NAMES[o.order_type], "side": o.side, "timeInForce": o.tif,
            "order_ref": o.coid, "lastExecutionTime_r": o.updated_ms,
            "orderDesc": f"{o.side.title()} {o.quantity} {TYPE_NAMES[o.order_type]}",
        }
        if o.price is not None:
            data["price"] = str(o.price)
        if o.avg_price is not None:
            data["avgPrice"] = str(o.avg_price)
        if parent is not None:
            data["parentId"] = parent.order_id
        return data

    def _trade(self, o: Order, price: Decimal) -> dict[str, Any]:
        ticker, at = self.tickers[o.conid], self.clock()
        now = time.gmtime(at)
        return {"execution_id": f"0000e0d5.{len(self.trades) + 1:08x}.01.01",
                "symbol": ticker, "side": o.side[0], "order_ref": o.coid,
                "order_id": o.order_id, "order_description": f"{o.side} {o.quantity}",
                "trade_time": time.strftime("%Y%m%d-%H:%M:%S", now),
                "trade_time_r": int(at * 1000), "size": float(o.quantity), "price": str(price),
                "exchange": "NSE", "commission": "0.00", "net_amount": float(price * o.quantity),
                "account": ACCOUNT, "accountCode": ACCOUNT, "company_name": self.names[ticker],
                "contract_description_1": ticker, "sec_type": "STK", "listing_exchange": "NSE",
                "conid": o.conid, "conidEx": str(o.conid)}

    # -- websocket -----------------------------------------------------------------------
    def push(self, topic: str, args: list[dict[str, Any]]) -> None:
        """Send a topic message to every socket subscribed to it."""
        if not args:
            return
        for ws, queue in self.sockets.items():
            if topic in self.subscribed[ws]:
                queue.put_nowait(json.dumps({"topic": topic, "args": args}, default=str))

    def push_to(self, queue: asyncio.Queue[str | None], topic: str, args: list[Any]) -> None:
        """Send one socket a topic message (a subscription's snapshot)."""
        queue.put_nowait(json.dumps({"topic": topic, "args": args}, default=str))

    def _broadcast(self, message: dict[str, Any]) -> None:
        for queue in self.sockets.values():
            queue.put_nowait(json.dumps(message))


async def start(gateway: IbkrGateway, host: str = "127.0.0.1", port: int = 0
                ) -> tuple[web.AppRunner, str]:
    """Serve the gateway; returns its runner and its REST root (`http://host:port/v1/api`)."""
    runner = web.AppRunner(build_app(gateway))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, f"http://{host}:{bound}{ROOT}"


def main() -> None:
    """`python -m devtools.venues.ibkr [PORT]`: serve a fake gateway until interrupted."""
    import sys

    async def serve() -> None:
        gateway = IbkrGateway()
        runner, url = await start(gateway, port=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
        print(f"IBKR fake gateway at {url} (account {ACCOUNT})", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
