"""A local Kite Connect v3 on 127.0.0.1, written from Kite's public documentation (REST
envelopes, form-encoded orders, GTT triggers, the ticker's text order messages, the
error_type envelope), independently of the adapter, for tests and `desk demo`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp import web

from devtools.venues.zerodha.book import (
    CASH,
    INSTRUMENT_COLUMNS,
    IST,
    Json,
    KiteBook,
    KiteError,
    envelope_json,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class KiteFake(KiteBook):
    """The fake account served over HTTP and the ticker websocket."""

    # --- HTTP --------------------------------------------------------------------------

    @web.middleware
    async def _envelope(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Kite's checks and error envelope around every route, and the injected faults."""
        self.requests[f"{request.method} {request.path}"] += 1
        try:
            if request.path not in ("/", "/session/token"):
                self._authorise(request)
            delay = 0.0
            if request.method != "GET" and request.path.startswith(("/orders", "/gtt")):
                if self._failures:
                    status = self._failures.pop(0)
                    message = "Too many requests" if status == 429 else "Service unavailable"
                    raise KiteError(status, "NetworkException", message)
                delay = self._delays.pop(0) if self._delays else 0.0
            response = await handler(request)
            if delay:
                await asyncio.sleep(delay)
            return response
        except KiteError as e:
            return envelope_json({"status": "error", "message": e.message,
                          "error_type": e.error_type, "data": None}, e.status)

    def _authorise(self, request: web.Request) -> None:
        if request.headers.get("X-Kite-Version") != "3":
            raise KiteError(400, "InputException", "Invalid or missing X-Kite-Version header")
        allowed = {f"token {self.api_key}:{token}" for token in self.tokens}
        if request.headers.get("Authorization") not in allowed:
            raise KiteError(403, "TokenException", "Incorrect `api_key` or `access_token`.")

    @staticmethod
    def _ok(data: object) -> web.Response:
        return envelope_json({"status": "success", "data": data})

    async def _session_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        api_key, request_token = str(form.get("api_key", "")), str(form.get("request_token", ""))
        checksum = hashlib.sha256((api_key + request_token + self.api_secret).encode())
        if (api_key != self.api_key or request_token not in self.request_tokens
                or form.get("checksum") != checksum.hexdigest()):
            raise KiteError(403, "TokenException", "Token is invalid or has expired.")
        self.request_tokens.discard(request_token)
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return self._ok({"user_type": "individual", "user_id": "XX0000", "broker": "ZERODHA",
                         "api_key": api_key, "access_token": token, "public_token": "",
                         "refresh_token": "", "login_time": self.stamp(), "exchanges": ["NSE"],
                         "products": ["CNC", "NRML", "MIS"], "meta": {}})

    def _order_fields(self, form: Any) -> Json:
        fields = {k: str(v) for k, v in form.items()}
        if fields.get("exchange") != "NSE" or fields.get("tradingsymbol") not in self.instruments:
            raise KiteError(400, "InputException", "Invalid `tradingsymbol`.")
        if fields.get("transaction_type") not in ("BUY", "SELL"):
            raise KiteError(400, "InputException", "Invalid `transaction_type`.")
        if fields.get("product") not in ("CNC", "NRML", "MIS", "MTF"):
            raise KiteError(400, "InputException", "Invalid `product`.")
        if not fields.get("quantity", "").isdigit() or int(fields["quantity"]) <= 0:
            raise KiteError(400, "InputException", "Invalid `quantity`.")
        kind = fields.get("order_type")
        if kind == "MARKET" and Decimal(fields.get("market_protection") or 0) == 0:
            raise KiteError(400, "InputException", "Market orders need `market_protection`.")
        if kind == "LIMIT" and Decimal(fields.get("price") or 0) <= 0:
            raise KiteError(400, "InputException", "Invalid `price`.")
        if kind not in ("MARKET", "LIMIT", "SL", "SL-M"):
            raise KiteError(400, "InputException", "Invalid `order_type`.")
        tag = fields.get("tag", "")
        if len(tag) > 20 or (tag and not tag.isalnum()):
            raise KiteError(400, "InputException", "`tag` is at most 20 alphanumerics.")
        return fields

    async def _place(self, request: web.Request) -> web.Response:
        if request.match_info["variety"] not in ("regular", "amo", "co", "iceberg", "auction"):
            raise KiteError(400, "InputException", "Invalid `variety`.")
        fields = self._order_fields(await request.post())
        order = self._new_order(fields, fields.get("tag", ""))
        if self.fill_on_place and order["order_type"] == "MARKET":
            self._fill(order, self.instruments[order["tradingsymbol"]]["last"])
        return self._ok({"order_id": order["order_id"]})

    def _order(self, request: web.Request) -> Json:
        order = self.orders.get(request.match_info["order_id"])
        if order is None:
            raise KiteError(400, "InputException", "Couldn't find that `order_id`.")
        return order

    async def _modify(self, request: web.Request) -> web.Response:
        order, form = self._order(request), await request.post()
        if order["status"] not in ("OPEN", "TRIGGER PENDING"):
            raise KiteError(400, "InputException", "Order cannot be modified as it is complete.")
        for key in ("quantity", "price", "trigger_price", "order_type"):
            if key in form:
                order[key] = str(form[key]) if key == "order_type" else Decimal(str(form[key]))
        order["modified"] = True
        self._push(order)
        return self._ok({"order_id": order["order_id"]})

    async def _delete(self, request: web.Request) -> web.Response:
        order = self._order(request)
        if order["status"] not in ("OPEN", "TRIGGER PENDING"):
            raise KiteError(400, "InputException", "Order cannot be cancelled as it is complete.")
        self._cancel(order)
        return self._ok({"order_id": order["order_id"]})

    def _gtt_body(self, form: Any) -> tuple[Json, list[Json], list[str]]:
        try:
            condition, orders = json.loads(str(form["condition"])), json.loads(str(form["orders"]))
            kind, triggers = str(form["type"]), [Decimal(str(v)) for v in
                                                 condition["trigger_values"]]
            symbol = condition["tradingsymbol"]
        except (KeyError, ValueError, TypeError):
            raise KiteError(400, "InputException", "Invalid GTT `condition` or `orders`.") from None
        legs = {"single": 1, "two-leg": 2}.get(kind)
        if legs is None or len(triggers) != legs or len(orders) != legs:
            raise KiteError(400, "InputException", "Invalid `type` or `trigger_values`.")
        if triggers != sorted(triggers) or symbol not in self.instruments:
            raise KiteError(400, "InputException", "Invalid trigger values or instrument.")
        if any(o.get("order_type") != "LIMIT" or Decimal(str(o.get("price", 0))) <= 0
               for o in orders):
            raise KiteError(400, "InputException", "GTT orders must be LIMIT with a price.")
        kept = ["exchange", "tradingsymbol", "product", "order_type", "transaction_type",
                "quantity", "price"]
        rows = [{k: o.get(k) for k in kept} | {"result": None} for o in orders]
        condition = {"exchange": "NSE", "last_price": condition.get("last_price"),
                     "tradingsymbol": symbol, "trigger_values": condition["trigger_values"],
                     "instrument_token": self.instruments[symbol]["token"]}
        return condition | {"type": kind}, rows, [str(o.get("tag") or "") for o in orders]

    async def _gtt_place(self, request: web.Request) -> web.Response:
        condition, orders, tags = self._gtt_body(await request.post())
        gtt_id = next(self._gtt_ids)
        year = (datetime.now(IST) + timedelta(days=365)).strftime("%Y-%m-%d %H:%M:%S")
        self.gtts[gtt_id] = {"id": gtt_id, "user_id": "XX0000", "parent_trigger": None,
                             "type": condition.pop("type"), "created_at": self.stamp(),
                             "updated_at": self.stamp(), "expires_at": year, "status": "active",
                             "condition": condition, "orders": orders, "meta": {}}
        self.gtt_tags[gtt_id] = tags
        return self._ok({"trigger_id": gtt_id})

    def _gtt(self, request: web.Request) -> Json:
        gtt = self.gtts.get(int(request.match_info["gtt_id"]))
        if gtt is None:
            raise KiteError(400, "InputException", "Invalid trigger id.")
        return gtt

    async def _gtt_modify(self, request: web.Request) -> web.Response:
        gtt = self._gtt(request)
        condition, orders, tags = self._gtt_body(await request.post())
        if gtt["status"] != "active":
            raise KiteError(400, "InputException", "Only an active GTT can be modified.")
        gtt |= {"type": condition.pop("type"), "condition": condition, "orders": orders,
                "updated_at": self.stamp()}
        self.gtt_tags[gtt["id"]] = tags
        return self._ok({"trigger_id": gtt["id"]})

    async def _gtt_delete(self, request: web.Request) -> web.Response:
        gtt = self._gtt(request)
        if gtt["status"] != "active":
            raise KiteError(400, "InputException", "Only an active GTT can be deleted.")
        gtt |= {"status": "deleted", "updated_at": self.stamp()}
        return self._ok({"trigger_id": gtt["id"]})

    async def _margins(self, request: web.Request) -> web.Response:
        used = sum((p["average_price"] * p["quantity"] for p in self._positions()), Decimal(0))
        zero: Json = {"adhoc_margin": 0, "collateral": 0, "intraday_payin": 0}
        equity = {"enabled": True, "net": CASH - used,
                  "available": zero | {"cash": CASH, "opening_balance": CASH,
                                       "live_balance": CASH - used},
                  "utilised": {"debits": used, "exposure": 0, "m2m_realised": 0,
                               "m2m_unrealised": 0, "option_premium": 0, "payout": 0,
                               "span": 0, "holding_sales": 0, "turnover": 0,
                               "liquid_collateral": 0, "stock_collateral": 0, "delivery": 0}}
        return self._ok({"equity": equity, "commodity": equity | {"net": 0}})

    async def _ticker(self, request: web.Request) -> web.StreamResponse:
        if (request.query.get("api_key") != self.api_key
                or request.query.get("access_token") not in self.tokens):
            return web.Response(status=403, text="invalid api_key or access_token")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        queue: asyncio.Queue[str | bytes] = asyncio.Queue()
        queue.put_nowait(b"\x00")  # Kite's 1-byte heartbeat
        self._sockets[ws] = queue

        async def write() -> None:
            while True:
                message = await queue.get()
                try:
                    await (ws.send_bytes(message) if isinstance(message, bytes)
                           else ws.send_str(message))
                except ConnectionResetError:
                    return  # the client left mid-send: the read loop below ends the session

        writer = asyncio.get_running_loop().create_task(write())
        try:
            async for _ in ws:
                pass  # subscribe/mode messages: market data is not served here
        finally:
            self._sockets.pop(ws, None)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    async def _instruments_csv(self, request: web.Request) -> web.Response:
        nse = request.match_info.get("exchange", "NSE") == "NSE"
        return web.Response(text=self.csv if nse else INSTRUMENT_COLUMNS + "\n",
                            content_type="text/csv")

    def _read(self, data: Callable[[web.Request], object]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            return self._ok(data(request))
        return handler

    def app(self) -> web.Application:
        """The routes Kite documents that the desk uses."""
        reads: dict[str, Callable[[web.Request], object]] = {
            "/orders": lambda r: list(self.orders.values()),
            "/orders/{order_id}": lambda r: [self._order(r)],
            "/orders/{order_id}/trades": lambda r: [
                t for t in self.trades if t["order_id"] == r.match_info["order_id"]],
            "/trades": lambda r: self.trades,
            "/portfolio/positions": lambda r: {"net": self._positions(),
                                               "day": self._positions()},
            "/portfolio/holdings": lambda r: self.holdings,
            "/gtt/triggers": lambda r: [g for g in self.gtts.values()
                                        if g["status"] != "deleted"],
            "/gtt/triggers/{gtt_id}": self._gtt,
        }
        app = web.Application(middlewares=[self._envelope])
        app.router.add_routes([web.get(path, self._read(data)) for path, data in reads.items()])
        app.router.add_routes([
            web.get("/", self._ticker),
            web.post("/session/token", self._session_token),
            web.post("/orders/{variety}", self._place),
            web.put("/orders/{variety}/{order_id}", self._modify),
            web.delete("/orders/{variety}/{order_id}", self._delete),
            web.get("/user/margins", self._margins),
            web.get("/instruments", self._instruments_csv),
            web.get("/instruments/{exchange}", self._instruments_csv),
            web.post("/gtt/triggers", self._gtt_place),
            web.put("/gtt/triggers/{gtt_id}", self._gtt_modify),
            web.delete("/gtt/triggers/{gtt_id}", self._gtt_delete),
        ])
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> web.AppRunner:
        """Serve on `host:port` (0: any free port); `url`/`ticker_url` say where."""
        runner = web.AppRunner(self.app())
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        self.url, self.ticker_url = f"http://{host}:{bound}", f"ws://{host}:{bound}/"
        return runner

