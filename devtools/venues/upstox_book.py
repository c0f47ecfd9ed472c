"""The account book of the local fake Upstox (`devtools/venues/upstox.py`): orders, GTTs,
trades, positions and cash, the controls a test uses as the exchange or the broker would,
and the `order` / `gtt_order` messages the portfolio stream pushes. Written from Upstox's
documented payloads, not from the adapter. GTTs carry no tag, so brackets are known here
by their GTT id only.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import secrets
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web

SAMPLE_INSTRUMENTS = Path(__file__).resolve().parents[2] / "data/sample/instruments.csv"
IST = timezone(timedelta(hours=5, minutes=30))
ENDED = {"COMPLETED", "CANCELLED", "FAILED", "EXPIRED"}
EXITS = ("TARGET", "STOPLOSS")
USER = "FAKE01"


class UpstoxError(Exception):
    """An answer in Upstox's error envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def now_text() -> str:
    """Upstox's order-book timestamp: IST wall time."""
    return datetime.now(IST).strftime("%Y-%m-%d %H:%M:%S")


def invalid(message: str) -> UpstoxError:
    """The input-validation error."""
    return UpstoxError(400, "UDAPI100038", message)


class UpstoxBook:
    """One Upstox account's book and its controls."""

    def __init__(self, instruments_csv: Path = SAMPLE_INSTRUMENTS,
                 cash: Decimal = Decimal("1000000"), first_id: int = 0) -> None:
        with instruments_csv.open() as f:
            self.instruments = {f"NSE_EQ|{r['isin']}": r for r in csv.DictReader(f)}
        self.api_key, self.redirect_uri = "fake-api-key", "http://127.0.0.1/upstox/callback"
        self.api_secret = secrets.token_hex(16)
        self.token = secrets.token_urlsafe(24)
        self._tokens = {self.token}
        self._codes: set[str] = set()
        self._stream_codes: set[str] = set()
        self.orders: dict[str, dict[str, Any]] = {}
        self.gtts: dict[str, dict[str, Any]] = {}
        self.trades: list[dict[str, Any]] = []
        self.net: dict[str, tuple[int, Decimal]] = {}  # instrument key -> quantity, cost
        self.holdings: list[dict[str, Any]] = []
        self.cash = cash
        self.algo_names: list[str] = []  # X-Algo-Name of each order request
        self.requests: Counter[str] = Counter()  # "GET /v2/order/retrieve-all" -> times asked
        self.fill_entry_on_place: Decimal | None = None  # fill before answering the place
        self.clock: Callable[[], datetime] = lambda: datetime.now(IST)  # the book's timestamps
        self.slow_next = 0.0  # seconds to hold the next order answer, after acting on it
        self._failures: deque[int] = deque()
        self._recent: dict[str, deque[float]] = {}
        self._sockets: set[web.WebSocketResponse] = set()
        self._outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        # Orders and trades are numbered from here: two fake accounts given different
        # starts never share an id, as a real broker's ids are unique across accounts.
        self._seq = self._trade_seq = first_id
        self.base_url = ""

    # --- controls --------------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` order requests with `status` in Upstox's error shape."""
        self._failures.extend([status] * times)

    def expire_session(self) -> None:
        """Invalidate every token, as Upstox does each morning."""
        self._tokens.clear()

    def issue_code(self) -> str:
        """An authorization code, as the login page's redirect would carry."""
        code = secrets.token_urlsafe(8)
        self._codes.add(code)
        return code

    def drop_updates_connection(self) -> None:
        """Close every portfolio-stream connection from the server side."""
        self._outbox.put_nowait(None)

    def bracket_count(self) -> int:
        """How many GTTs the account holds (whatever their state)."""
        return len(self.gtts)

    def fill_rule(self, gtt_order_id: str, strategy: str, price: Decimal) -> None:
        """Trigger a GTT rule (if it is not yet) and fill its order at `price`; an exit's
        fill cancels the other exit."""
        gtt = self.gtts[gtt_order_id]
        rule = next(r for r in gtt["rules"] if r["strategy"] == strategy)
        if rule["status"] in ENDED or rule["status"] == "PENDING":
            raise ValueError(f"{strategy} of {gtt_order_id} is {rule['status']}")
        if not rule["order_id"]:
            self._trigger(gtt, rule, price)
        self._fill(self.orders[rule["order_id"]], price)
        rule["status"] = "COMPLETED"
        for other in gtt["rules"]:
            if strategy == "ENTRY" and other["strategy"] in EXITS:
                other["status"] = "SCHEDULED"
            elif other["strategy"] in EXITS and other is not rule and strategy != "ENTRY":
                other["status"] = "CANCELLED"
        self._push_gtt(gtt)

    def fill_order(self, order_id: str, price: Decimal) -> None:
        """Fill an open regular order (e.g. a market sale) in full at `price`."""
        order = self.orders[order_id]
        if order["status"] != "open":
            raise ValueError(f"order {order_id} is {order['status']}")
        self._fill(order, price)

    def cancel_at_venue(self, gtt_order_id: str) -> None:
        """Cancel a GTT and its open order, as the RMS or another platform would."""
        self._cancel_gtt(self.gtts[gtt_order_id], orders_too=True, why="cancelled by RMS")

    def place_elsewhere(self, symbol: str, quantity: int, price: Decimal) -> str:
        """An untagged order placed and filled outside the desk (the broker's own terminal,
        another platform); its order id."""
        key = next(k for k, r in self.instruments.items() if r["symbol"] == symbol)
        order = self._new_order({"instrument_token": key, "product": "D", "price": price,
                                 "quantity": quantity, "transaction_type": "BUY"})
        self._fill(order, price)
        return str(order["order_id"])

    # --- book ------------------------------------------------------------------------

    def _now_text(self) -> str:
        return self.clock().astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")

    def _next_id(self) -> str:
        self._seq += 1
        return f"{datetime.now(IST):%y%m%d}{self._seq:09d}"

    def _next_trade_id(self) -> str:
        self._trade_seq += 1
        return f"T{self._trade_seq:08d}"

    def _new_order(self, body: dict[str, Any], tag: str | None = None) -> dict[str, Any]:
        key = str(body["instrument_token"])
        order = {
            "exchange": "NSE", "product": body["product"], "price": float(body["price"]),
            "quantity": int(body["quantity"]), "status": "open", "guid": None, "tag": tag,
            "instrument_token": key, "placed_by": USER,
            "trading_symbol": f"{self.instruments[key]['symbol']}-EQ",
            "order_type": body.get("order_type", "LIMIT"), "validity": "DAY",
            "trigger_price": 0.0, "disclosed_quantity": 0,
            "transaction_type": body["transaction_type"], "average_price": 0.0,
            "filled_quantity": 0, "pending_quantity": int(body["quantity"]),
            "status_message": "", "status_message_raw": None, "exchange_order_id": "",
            "parent_order_id": None, "order_id": self._next_id(), "variety": "SIMPLE",
            "order_timestamp": self._now_text(), "exchange_timestamp": None, "is_amo": False,
            "order_request_id": "1", "order_ref_id": secrets.token_hex(6),
        }
        self.orders[order["order_id"]] = order
        self._push_order(order)
        return order

    def _trigger(self, gtt: dict[str, Any], rule: dict[str, Any], price: Decimal) -> None:
        order = self._new_order({**gtt, "price": price, "order_type": "LIMIT",
                                 "transaction_type": rule["transaction_type"]})
        rule["order_id"], rule["status"] = order["order_id"], "TRIGGERED"

    def _fill(self, order: dict[str, Any], price: Decimal) -> None:
        quantity = order["pending_quantity"]
        order.update(status="complete", filled_quantity=order["quantity"], pending_quantity=0,
                     average_price=float(price), exchange_timestamp=self._now_text(),
                     exchange_order_id=f"1100000{order['order_id'][-9:]}")
        self.trades.append({
            key: order[key] for key in ("exchange", "product", "trading_symbol",
                                        "instrument_token", "order_type", "transaction_type",
                                        "exchange_order_id", "order_id", "exchange_timestamp",
                                        "order_ref_id", "order_timestamp")
        } | {"quantity": quantity, "average_price": float(price),
             "trade_id": self._next_trade_id()})
        held, cost = self.net.get(order["instrument_token"], (0, Decimal(0)))
        sign = 1 if order["transaction_type"] == "BUY" else -1
        self.net[order["instrument_token"]] = (held + sign * quantity,
                                               cost + sign * quantity * price)
        self._push_order(order)

    def _cancel_order(self, order: dict[str, Any], why: str) -> None:
        order.update(status="cancelled", status_message=why, pending_quantity=0)
        self._push_order(order)

    def _cancel_gtt(self, gtt: dict[str, Any], *, orders_too: bool, why: str) -> bool:
        changed = False
        for rule in gtt["rules"]:
            order = self.orders.get(rule["order_id"] or "")
            if order and orders_too and order["status"] == "open":
                self._cancel_order(order, why)
            if rule["status"] not in ENDED and (order is None
                                                or order["status"] == "cancelled"):
                rule["status"], changed = "CANCELLED", True
        if changed:
            self._push_gtt(gtt)
        return changed

    def _push_order(self, order: dict[str, Any]) -> None:
        self._outbox.put_nowait({**order, "update_type": "order", "user_id": USER,
                                 "instrument_key": order["instrument_token"]})

    def _push_gtt(self, gtt: dict[str, Any]) -> None:
        self._outbox.put_nowait({**gtt, "update_type": "gtt_order"})

    async def _broadcast(self) -> None:
        while True:
            message = await self._outbox.get()
            for ws in list(self._sockets):
                if message is None:
                    await ws.close()
                elif not ws.closed:
                    await ws.send_str(json.dumps(message))

    async def _broadcasting(self, app: web.Application) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(self._broadcast())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
