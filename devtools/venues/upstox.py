"""A local Upstox on 127.0.0.1 for tests and demos, written from Upstox's public
documentation of the wire format (not from the adapter): v3 orders and GTTs, the v2 order
and trade books, portfolio, funds v3, the OAuth token exchange, the instruments JSON and
the portfolio-stream websocket pushing `order` and `gtt_order` updates. The account's book
and the test controls are in `upstox_book.py`.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import secrets
import time
from collections import deque
from decimal import Decimal
from typing import Any

from aiohttp import WSMsgType, web

from devtools.venues.upstox_book import (
    ENDED,
    EXITS,
    USER,
    UpstoxBook,
    UpstoxError,
    invalid,
)

INSTRUMENTS_PATH = "/market-quote/instruments/exchange/NSE.json.gz"
ORDER_PATHS = {"/v3/order/place", "/v3/order/modify", "/v3/order/cancel",
               "/v3/order/gtt/place", "/v3/order/gtt/modify", "/v3/order/gtt/cancel"}
OPEN_PATHS = {"/v2/login/authorization/token", "/v2/login/authorization/dialog",
              INSTRUMENTS_PATH, "/portfolio-stream"}
ORDER_RATE = 10  # order requests per second per API, as Upstox allows a regular app


def _ok(data: Any) -> web.Response:
    return web.json_response({"status": "success", "data": data, "metadata": {"latency": 1}})


class FakeUpstox(UpstoxBook):
    """One Upstox account, answering the documented endpoints the desk uses."""

    # --- HTTP ------------------------------------------------------------------------

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests[f"{request.method} {request.path}"] += 1
        try:
            if request.path not in OPEN_PATHS:
                auth = request.headers.get("Authorization", "")
                if auth.removeprefix("Bearer ") not in self._tokens:
                    # the camelCase spelling, as live 401s are recorded with it
                    return web.json_response({"status": "error", "errors": [{
                        "errorCode": "UDAPI100050", "message": "Invalid token used to "
                        "access API"}]}, status=401)
            if request.path in ORDER_PATHS:
                self._admit(request)
            response = await handler(request)
            if request.path in ORDER_PATHS and self.slow_next:
                delay, self.slow_next = self.slow_next, 0.0
                await asyncio.sleep(delay)
            return response  # type: ignore[no-any-return]
        except UpstoxError as e:
            return web.json_response({"status": "error", "errors": [{
                "error_code": e.code, "message": e.message, "property_path": None,
                "invalid_value": None}]}, status=e.status)

    def _admit(self, request: web.Request) -> None:
        self.algo_names.append(request.headers.get("X-Algo-Name", ""))
        if self._failures:
            status = self._failures.popleft()
            if status == 429:
                raise UpstoxError(429, "UDAPI10005", "Too Many Request Sent")
            raise UpstoxError(status, "UDAPI100500", "Something went wrong, please try again")
        recent = self._recent.setdefault(request.path, deque())
        now = time.monotonic()
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) >= ORDER_RATE:
            raise UpstoxError(429, "UDAPI10005", "Too Many Request Sent")
        recent.append(now)

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise invalid("request body is not JSON") from None
        if not isinstance(body, dict):
            raise invalid("request body must be a JSON object")
        return body

    def _checked(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("instrument_token") not in self.instruments:
            raise invalid("Invalid instrument_token")
        if body.get("transaction_type") not in ("BUY", "SELL"):
            raise invalid("transaction_type must be BUY or SELL")
        if body.get("product") not in ("I", "D", "MTF"):
            raise invalid("product must be one of I, D, MTF")
        if not isinstance(body.get("quantity"), int) or body["quantity"] <= 0:
            raise invalid("quantity must be a positive integer")
        return body

    async def place_order(self, request: web.Request) -> web.Response:
        """POST /v3/order/place: a regular order, carrying its `tag`."""
        body = self._checked(await self._body(request))
        tag = body.get("tag")
        if tag is not None and (not isinstance(tag, str) or len(tag) > 40):
            raise invalid("tag must be a string of up to 40 characters")
        return _ok({"order_ids": [self._new_order(body, tag)["order_id"]]})

    async def modify_order(self, request: web.Request) -> web.Response:
        """PUT /v3/order/modify: a new price for an open order."""
        body = await self._body(request)
        order = self.orders.get(str(body.get("order_id")))
        if order is None or order["status"] != "open":
            raise UpstoxError(400, "UDAPI100040", "Order is not open for modification")
        order.update(price=float(body.get("price", order["price"])), status="open")
        self._push_order(order)
        return _ok({"order_id": order["order_id"]})

    async def cancel_order(self, request: web.Request) -> web.Response:
        """DELETE /v3/order/cancel?order_id=: cancel an open order (and its GTT)."""
        order = self.orders.get(request.query.get("order_id", ""))
        if order is None:
            raise UpstoxError(404, "UDAPI100010", "Order not found")
        if order["status"] != "open":
            raise UpstoxError(400, "UDAPI100040", f"Order is {order['status']}")
        self._cancel_order(order, "cancelled by user")
        for gtt in self.gtts.values():
            if any(r["order_id"] == order["order_id"] for r in gtt["rules"]):
                self._cancel_gtt(gtt, orders_too=True, why="cancelled by user")
        return _ok({"order_id": order["order_id"]})

    async def place_gtt(self, request: web.Request) -> web.Response:
        """POST /v3/order/gtt/place: a SINGLE or MULTIPLE GTT; an IMMEDIATE entry
        places its LIMIT order at once."""
        body = self._checked(await self._body(request))
        rules = body.get("rules")
        if body.get("type") not in ("SINGLE", "MULTIPLE") or not isinstance(rules, list):
            raise invalid("type must be SINGLE or MULTIPLE, with rules")
        strategies = [r.get("strategy") for r in rules if isinstance(r, dict)]
        if (len(strategies) != len(rules) or not 1 <= len(rules) <= 3
                or len(set(strategies)) != len(rules) or "ENTRY" not in strategies
                or not set(strategies) <= {"ENTRY", *EXITS}):
            raise invalid("at most three rules, one ENTRY, no duplicate strategy")
        exit_side = "SELL" if body["transaction_type"] == "BUY" else "BUY"
        gtt_id = f"GTT-C{self._next_id()}"
        gtt = {"type": body["type"], "exchange": "NSE_EQ", "quantity": body["quantity"],
               "product": body["product"], "instrument_token": body["instrument_token"],
               "trading_symbol": self.instruments[body["instrument_token"]]["symbol"],
               "gtt_order_id": gtt_id, "created_at": time.time_ns() // 1000,
               "expires_at": (time.time_ns() // 1000) + 365 * 86_400_000_000, "rules": [
                   {"strategy": r["strategy"], "trigger_type": r.get("trigger_type"),
                    "trigger_price": float(r["trigger_price"]), "order_id": None,
                    "status": "SCHEDULED" if r["strategy"] == "ENTRY" else "PENDING",
                    "transaction_type": body["transaction_type"]
                    if r["strategy"] == "ENTRY" else exit_side, "message": ""}
                   for r in rules]}
        self.gtts[gtt_id] = gtt
        entry = next(r for r in gtt["rules"] if r["strategy"] == "ENTRY")
        if entry["trigger_type"] == "IMMEDIATE":
            self._trigger(gtt, entry, Decimal(str(entry["trigger_price"])))
        self._push_gtt(gtt)
        if self.fill_entry_on_place is not None:
            self.fill_rule(gtt_id, "ENTRY", self.fill_entry_on_place)
            await asyncio.sleep(0.2)  # the pushed fill reaches the client before this answer
        return _ok({"gtt_order_ids": [gtt_id]})

    def _gtt(self, body: dict[str, Any]) -> dict[str, Any]:
        gtt = self.gtts.get(str(body.get("gtt_order_id")))
        if gtt is None:
            raise UpstoxError(400, "UDAPI1135", "Invalid GTT order id")
        return gtt

    async def modify_gtt(self, request: web.Request) -> web.Response:
        """PUT /v3/order/gtt/modify: new triggers for rules not yet triggered."""
        body = await self._body(request)
        gtt = self._gtt(body)
        for change in body.get("rules") or []:
            rule = next((r for r in gtt["rules"] if r["strategy"] == change.get("strategy")),
                        None)
            if rule is not None and not rule["order_id"] and rule["status"] not in ENDED:
                rule["trigger_price"] = float(change["trigger_price"])
        self._push_gtt(gtt)
        return _ok({"gtt_order_ids": [gtt["gtt_order_id"]]})

    async def cancel_gtt(self, request: web.Request) -> web.Response:
        """DELETE /v3/order/gtt/cancel: cancel the rules not yet triggered."""
        gtt = self._gtt(await self._body(request))
        if not self._cancel_gtt(gtt, orders_too=False, why=""):
            raise UpstoxError(400, "UDAPI1136", "GTT order is already triggered or cancelled")
        return _ok({"gtt_order_ids": [gtt["gtt_order_id"]]})

    async def list_gtts(self, request: web.Request) -> web.Response:
        """GET /v3/order/gtt[?gtt_order_id=]: one GTT or all of them."""
        wanted = request.query.get("gtt_order_id")
        if wanted and wanted not in self.gtts:
            raise UpstoxError(404, "UDAPI1135", "No GTT order with this id")
        if wanted:
            return _ok([self.gtts[wanted]])
        return _ok(list(self.gtts.values()))

    async def order_book(self, request: web.Request) -> web.Response:
        """GET /v2/order/retrieve-all: today's orders."""
        return _ok(list(self.orders.values()))

    async def trades_for_day(self, request: web.Request) -> web.Response:
        """GET /v2/order/trades/get-trades-for-day: today's trades."""
        return _ok(self.trades)

    async def order_trades(self, request: web.Request) -> web.Response:
        """GET /v2/order/trades?order_id=: one order's trades."""
        wanted = request.query.get("order_id")
        return _ok([t for t in self.trades if t["order_id"] == wanted])

    async def positions(self, request: web.Request) -> web.Response:
        """GET /v2/portfolio/short-term-positions: today's net positions."""
        return _ok([{"exchange": "NSE", "product": "D", "instrument_token": key,
                     "trading_symbol": self.instruments[key]["symbol"], "quantity": quantity,
                     "average_price": float(cost / quantity) if quantity else 0.0}
                    for key, (quantity, cost) in self.net.items()])

    async def long_term_holdings(self, request: web.Request) -> web.Response:
        """GET /v2/portfolio/long-term-holdings: the demat holdings."""
        return _ok(self.holdings)

    async def funds(self, request: web.Request) -> web.Response:
        """GET /v3/user/get-funds-and-margin: cash available and margin used."""
        used = sum((cost for _, cost in self.net.values()), Decimal(0))
        margin = {"total": float(used), "mtf": 0.0, "span_exposure": 0.0}
        return _ok({"available_to_trade": {
            "total": float(self.cash - used),
            "cash_available_to_trade": {"total": float(self.cash - used),
                                        "cash": {"opening_balance": float(self.cash)},
                                        "margin_used": margin},
            "pledge_available_to_trade": {"total": 0.0, "margin_used": {"total": 0.0}}},
            "unavailable_to_trade": {}})

    async def token_exchange(self, request: web.Request) -> web.Response:
        """POST /v2/login/authorization/token: an authorization code for a token."""
        form = await request.post()
        if (form.get("client_id") != self.api_key or form.get("client_secret")
                != self.api_secret or form.get("redirect_uri") != self.redirect_uri
                or form.get("grant_type") != "authorization_code"
                or form.get("code") not in self._codes):
            raise UpstoxError(400, "UDAPI100036", "Invalid Auth code or client credentials")
        self._codes.discard(str(form["code"]))
        token = secrets.token_urlsafe(24)
        self._tokens.add(token)
        return web.json_response({"email": "fake@example.com", "user_id": USER,
                                  "user_name": "Fake", "broker": "UPSTOX",
                                  "is_active": True, "access_token": token})

    async def login_dialog(self, request: web.Request) -> web.Response:
        """GET /v2/login/authorization/dialog: the login page, here an instant
        redirect back with a code."""
        if request.query.get("client_id") != self.api_key:
            raise invalid("Invalid client_id")
        target = f"{request.query['redirect_uri']}?code={self.issue_code()}"
        if request.query.get("state"):
            target += f"&state={request.query['state']}"
        raise web.HTTPFound(target)

    async def instruments_file(self, request: web.Request) -> web.Response:
        """The NSE instruments JSON (gzipped), built from the sample CSV."""
        rows = [{"segment": "NSE_EQ", "name": r["name"], "exchange": "NSE", "isin": r["isin"],
                 "instrument_type": "EQ", "instrument_key": key, "lot_size": int(r["lot_size"]),
                 "freeze_quantity": 100000.0, "exchange_token": str(1000 + n),
                 "tick_size": float(Decimal(r["tick_size"]) * 100),  # paise in the JSON
                 "trading_symbol": r["symbol"], "short_name": r["symbol"],
                 "security_type": "NORMAL"}
                for n, (key, r) in enumerate(self.instruments.items())]
        return web.Response(body=gzip.compress(json.dumps(rows).encode()),
                            content_type="application/json")

    async def stream_authorize(self, request: web.Request) -> web.Response:
        """GET /v2/feed/portfolio-stream-feed/authorize: a single-use stream URL."""
        code = secrets.token_urlsafe(12)
        self._stream_codes.add(code)
        ws_base = self.base_url.replace("http://", "ws://")
        return _ok({"authorized_redirect_uri": f"{ws_base}/portfolio-stream?code={code}"})

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """The portfolio-stream websocket behind an authorized URL."""
        code = request.query.get("code", "")
        if code not in self._stream_codes:
            raise web.HTTPForbidden(text="authorized_redirect_uri is single-use")
        self._stream_codes.discard(code)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            async for message in ws:
                if message.type is WSMsgType.ERROR:
                    break
        finally:
            self._sockets.discard(ws)
        return ws

    def app(self) -> web.Application:
        """The aiohttp application: every route Upstox documents that the desk uses."""
        app = web.Application(middlewares=[self._gate])
        app.cleanup_ctx.append(self._broadcasting)
        for method, path, handler in (
            ("POST", "/v3/order/place", self.place_order),
            ("PUT", "/v3/order/modify", self.modify_order),
            ("DELETE", "/v3/order/cancel", self.cancel_order),
            ("POST", "/v3/order/gtt/place", self.place_gtt),
            ("PUT", "/v3/order/gtt/modify", self.modify_gtt),
            ("DELETE", "/v3/order/gtt/cancel", self.cancel_gtt),
            ("GET", "/v3/order/gtt", self.list_gtts),
            ("GET", "/v2/order/retrieve-all", self.order_book),
            ("GET", "/v2/order/trades/get-trades-for-day", self.trades_for_day),
            ("GET", "/v2/order/trades", self.order_trades),
            ("GET", "/v2/portfolio/short-term-positions", self.positions),
            ("GET", "/v2/portfolio/long-term-holdings", self.long_term_holdings),
            ("GET", "/v3/user/get-funds-and-margin", self.funds),
            ("POST", "/v2/login/authorization/token", self.token_exchange),
            ("GET", "/v2/login/authorization/dialog", self.login_dialog),
            ("GET", INSTRUMENTS_PATH, self.instruments_file),
            ("GET", "/v2/feed/portfolio-stream-feed/authorize", self.stream_authorize),
            ("GET", "/portfolio-stream", self.stream),
        ):
            app.router.add_route(method, path, handler)
        return app


async def start(host: str = "127.0.0.1", port: int = 0,
                fake: FakeUpstox | None = None) -> tuple[FakeUpstox, web.AppRunner]:
    """Serve a fake Upstox on `host:port` (0: any free port); `fake.base_url` says where."""
    fake = fake or FakeUpstox()
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    fake.base_url = f"http://{host}:{bound}"
    return fake, runner
