"""The fake Kite account's book: orders, trades, GTTs, positions, and the controls a test
uses to act as the exchange (`tests.venues.FakeControls`). Orders stay OPEN until a test
fills them, as the exchange would; a GTT fires its leg the same way."""

from __future__ import annotations

import asyncio
import csv
import itertools
import json
import secrets
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web

from domain.values import Leg

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "instruments.csv"
IST = timezone(timedelta(hours=5, minutes=30))
Json = dict[str, Any]
CASH = Decimal("1000000")
INSTRUMENT_COLUMNS = ("instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,"
                      "strike,tick_size,lot_size,instrument_type,segment,exchange")


class KiteError(Exception):
    """A refusal in Kite's envelope."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_type, self.message = status, error_type, message


def envelope_json(data: object, status: int = 200) -> web.Response:
    """A JSON response; rupees go out as JSON numbers, as Kite sends them."""
    text = json.dumps(data, default=lambda d: float(d) if isinstance(d, Decimal) else str(d))
    return web.Response(status=status, text=text, content_type="application/json")


def _instruments(path: Path) -> tuple[str, dict[str, Json]]:
    """Kite's instruments CSV built from the sample universe, and its rows by symbol."""
    rows: dict[str, Json] = {}
    lines = [INSTRUMENT_COLUMNS]
    with path.open() as f:
        for i, row in enumerate(csv.DictReader(f)):
            exchange_token = 1000 + i
            token = exchange_token * 256 + 1  # Kite: the low byte is the segment (NSE = 1)
            rows[row["symbol"]] = {"token": token, "tick": Decimal(row["tick_size"]),
                                   "last": Decimal(row["prev_close"])}
            lines.append(f"{token},{exchange_token},{row['symbol']},\"{row['name'].upper()}\","
                         f"{row['prev_close']},,0.0,{row['tick_size']},{row['lot_size']},EQ,NSE,NSE")
    return "\n".join(lines) + "\n", rows


class KiteBook:
    """One Kite Connect app and account: its book and the test controls."""

    def __init__(self, *, api_key: str, api_secret: str, access_token: str,
                 tag_of: Callable[[str], str], instruments: Path = SAMPLE) -> None:
        self.api_key, self.api_secret = api_key, api_secret
        self.tag_of = tag_of  # how the desk tags its client order ids (the harness says)
        self.tokens = {access_token}
        self.request_tokens: set[str] = set()
        self.csv, self.instruments = _instruments(instruments)
        self.orders: dict[str, Json] = {}
        self.trades: list[Json] = []
        self.gtts: dict[int, Json] = {}
        self.gtt_tags: dict[int, list[str]] = {}  # kept, not listed: the docs show no GTT tag
        self.holdings: list[Json] = []
        self.requests: Counter[str] = Counter()  # "GET /orders" -> times asked
        self.fill_on_place = False  # fill market orders before answering the place request
        self._ids = itertools.count(261127000000001)
        self._trade_ids = itertools.count(90000001)
        self._gtt_ids = itertools.count(700001)
        self._failures: list[int] = []
        self._delays: list[float] = []
        self._sockets: dict[web.WebSocketResponse, asyncio.Queue[str | bytes]] = {}
        self.url = self.ticker_url = ""
        self.clock: Callable[[], datetime] = lambda: datetime.now(IST)  # a replay: bar time

    def stamp(self) -> str:
        """The fake's now as Kite writes times: IST, to the second."""
        return self.clock().astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")

    # --- controls (tests.venues.FakeControls) ------------------------------------------

    def fill(self, client_order_id: str, leg: Leg, price: Decimal) -> None:
        """Fill the bracket's leg at `price`; a GTT leg fires (the other one never will)."""
        tag = self.tag_of(client_order_id)
        if leg is Leg.ENTRY:
            entry = self._entry(tag, lambda o: o["status"] == "OPEN")
            if entry is None:
                raise ValueError(f"no open entry for {client_order_id}")
            self._fill(entry, price)
            return
        if leg is Leg.OPERATOR:  # the desk's own market sale, tagged like its entry
            sale = next((o for o in self.orders.values() if o["tag"] == tag and
                         o["transaction_type"] == "SELL" and o["status"] == "OPEN"), None)
            if sale is None:
                raise ValueError(f"no open sale for {client_order_id}")
            self._fill(sale, price)
            return
        gtt_id = self._gtt_of(tag)
        if gtt_id is None or leg not in (Leg.STOP, Leg.TARGET):
            raise ValueError(f"no active GTT leg {leg} for {client_order_id}")
        self._fire(gtt_id, 0 if leg is Leg.STOP else 1, price)

    def cancel_at_venue(self, client_order_id: str) -> None:
        """Cancel the bracket as Kite's RMS would: the open entry, or the active GTT."""
        tag = self.tag_of(client_order_id)
        entry = self._entry(tag, lambda o: o["status"] == "OPEN")
        if entry is not None:
            self._cancel(entry, "Cancelled by RMS")
        gtt_id = self._gtt_of(tag)
        if gtt_id is not None:
            self.gtts[gtt_id] |= {"status": "cancelled", "updated_at": self.stamp()}

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next order requests (orders, GTTs) with `status` in Kite's envelope."""
        self._failures.extend([status] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """Carry out the next order requests, then answer them only after `seconds`."""
        self._delays.extend([seconds] * times)

    def expire_session(self) -> None:
        """Invalidate every access token, as Kite does each morning."""
        self.tokens.clear()

    def issue_request_token(self) -> str:
        """The request token Kite's login redirect would hand the app."""
        token = secrets.token_hex(16)
        self.request_tokens.add(token)
        return token

    def drop_updates_connection(self) -> None:
        """Close every ticker connection from the server side."""
        for ws in list(self._sockets):
            asyncio.get_running_loop().create_task(ws.close())

    def push_raw(self, text: str) -> None:
        """Send any text on the ticker, as a broken or unknown message would arrive."""
        for queue in self._sockets.values():
            queue.put_nowait(text)

    def placed_count(self, client_order_id: str) -> int:
        """How many entries the account holds under this desk id's tag."""
        tag = self.tag_of(client_order_id)
        return sum(o["tag"] == tag and o["transaction_type"] == "BUY"
                   for o in self.orders.values())

    def gtt_count(self, client_order_id: str) -> int:
        """How many GTTs were placed for this desk id's bracket."""
        tag = self.tag_of(client_order_id)
        return sum(tag in tags for tags in self.gtt_tags.values())

    # --- the book ----------------------------------------------------------------------

    def _entry(self, tag: str, wanted: Callable[[Json], bool]) -> Json | None:
        return next((o for o in self.orders.values()
                     if o["tag"] == tag and o["transaction_type"] == "BUY" and wanted(o)), None)

    def _gtt_of(self, tag: str) -> int | None:
        return next((i for i, g in self.gtts.items()
                     if g["status"] == "active" and tag in self.gtt_tags.get(i, [])), None)

    def _push(self, order: Json) -> None:
        message = json.dumps({"type": "order", "id": "", "data": order | {
            "user_id": "XX0000", "unfilled_quantity": order["pending_quantity"],
            "app_id": 1234, "checksum": ""}}, default=float)
        for queue in self._sockets.values():
            queue.put_nowait(message)

    def _new_order(self, fields: Json, tag: str) -> Json:
        symbol = fields["tradingsymbol"]
        order = {
            "placed_by": "XX0000", "order_id": str(next(self._ids)),
            "exchange_order_id": str(next(self._ids) + 10**15), "parent_order_id": None,
            "status": "OPEN", "status_message": None, "status_message_raw": None,
            "order_timestamp": self.stamp(), "exchange_update_timestamp": self.stamp(),
            "exchange_timestamp": self.stamp(), "variety": "regular", "modified": False,
            "exchange": "NSE", "tradingsymbol": symbol,
            "instrument_token": self.instruments[symbol]["token"],
            "order_type": fields["order_type"], "transaction_type": fields["transaction_type"],
            "validity": fields.get("validity", "DAY"), "product": fields["product"],
            "quantity": int(fields["quantity"]), "disclosed_quantity": 0,
            "price": Decimal(fields.get("price") or 0), "trigger_price": 0, "average_price": 0,
            "filled_quantity": 0, "pending_quantity": int(fields["quantity"]),
            "cancelled_quantity": 0, "market_protection": fields.get("market_protection", 0),
            "meta": {}, "tag": tag or None, "guid": secrets.token_hex(6)}
        self.orders[order["order_id"]] = order
        self._push(order)
        return order

    def _fill(self, order: Json, price: Decimal) -> None:
        order |= {"status": "COMPLETE", "average_price": price, "pending_quantity": 0,
                  "filled_quantity": order["quantity"], "exchange_update_timestamp": self.stamp()}
        self.trades.append({
            "trade_id": str(next(self._trade_ids)), "order_id": order["order_id"],
            "exchange": "NSE", "tradingsymbol": order["tradingsymbol"],
            "instrument_token": order["instrument_token"], "product": order["product"],
            "average_price": price, "quantity": order["quantity"],
            "exchange_order_id": order["exchange_order_id"],
            "transaction_type": order["transaction_type"], "fill_timestamp": self.stamp(),
            "order_timestamp": self.stamp()[11:], "exchange_timestamp": self.stamp()})
        self._push(order)

    def _cancel(self, order: Json, why: str | None = None) -> None:
        order |= {"status": "CANCELLED", "status_message": why, "pending_quantity": 0,
                  "cancelled_quantity": order["pending_quantity"],
                  "exchange_update_timestamp": self.stamp()}
        self._push(order)

    def _fire(self, gtt_id: int, index: int, price: Decimal) -> None:
        gtt = self.gtts[gtt_id]
        leg = gtt["orders"][index]
        tags = self.gtt_tags.get(gtt_id, [])
        order = self._new_order(leg | {"quantity": str(leg["quantity"])},
                                tags[index] if index < len(tags) else "")
        leg["result"] = {
            "account_id": "XX0000", "exchange": "NSE", "tradingsymbol": leg["tradingsymbol"],
            "validity": "DAY", "product": leg["product"], "order_type": leg["order_type"],
            "transaction_type": leg["transaction_type"], "quantity": leg["quantity"],
            "price": leg["price"], "meta": json.dumps({"app_id": 1234, "gtt": gtt_id}),
            "timestamp": self.stamp(), "triggered_at": price,
            "order_result": {"status": "success", "order_id": order["order_id"],
                             "rejection_reason": ""}}
        gtt |= {"status": "triggered", "updated_at": self.stamp()}
        self._fill(order, price)

    def _positions(self) -> list[Json]:
        books: dict[tuple[str, str], Json] = {}
        for t in self.trades:
            p = books.setdefault((t["tradingsymbol"], t["product"]), {
                "tradingsymbol": t["tradingsymbol"], "exchange": "NSE", "product": t["product"],
                "instrument_token": t["instrument_token"], "buy_quantity": 0,
                "buy_value": Decimal(0), "sell_quantity": 0, "sell_value": Decimal(0)})
            side = "buy" if t["transaction_type"] == "BUY" else "sell"
            p[f"{side}_quantity"] += t["quantity"]
            p[f"{side}_value"] += t["average_price"] * t["quantity"]
        for p in books.values():
            bought, sold = p["buy_quantity"], p["sell_quantity"]
            p["buy_price"] = p["buy_value"] / bought if bought else 0
            p["sell_price"] = p["sell_value"] / sold if sold else 0
            p |= {"quantity": bought - sold, "overnight_quantity": 0, "multiplier": 1,
                  "average_price": p["buy_price"] if bought > sold else 0,
                  "pnl": p["sell_value"] - p["buy_price"] * sold if sold else 0}
        return list(books.values())
