"""The fake IBKR gateway's HTTP and websocket face: the documented Client Portal routes
under `/v1/api`, answered from an `IbkrGateway`'s book."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web
from aiohttp.typedefs import Handler

if TYPE_CHECKING:
    from devtools.venues.ibkr import IbkrGateway

ROOT = "/v1/api"
ACCOUNT = "DU7000001"
GATEWAY: web.AppKey[IbkrGateway] = web.AppKey("gateway")
# Paths that need the brokerage session (the rest answer about the session itself).
OPEN_PATHS = ("/iserver/auth/", "/tickle", "/ws")
ORDER_PATHS = ("/iserver/account/", "/iserver/reply/")


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(data, default=str), status=status,
                        content_type="application/json")


def _gateway(request: web.Request) -> IbkrGateway:
    return request.app[GATEWAY]


@web.middleware
async def _session_and_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    gateway = _gateway(request)
    path = request.path.removeprefix(ROOT)
    if not path.startswith(OPEN_PATHS) and not (gateway.logged_in and gateway.authenticated):
        return web.Response(status=401, text="")
    writes = request.method in ("POST", "DELETE") and path.startswith(ORDER_PATHS)
    if writes and gateway.failures:
        status = gateway.failures.pop(0)
        words = "Too many requests" if status == 429 else "Internal server error"
        return _json({"error": words, "statusCode": status}, status)
    return await handler(request)


async def auth_status(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    if not gateway.logged_in:
        return web.Response(status=401, text="")
    return _json({"authenticated": gateway.authenticated, "competing": False,
                  "connected": True, "message": "", "MAC": "00:00:00:00:00:00",
                  "serverInfo": {"serverName": "eventdesk-fake", "serverVersion": "fake"}})


async def ssodh_init(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    if gateway.logged_in:
        gateway.authenticated = True
    return await auth_status(request)


async def tickle(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    if not gateway.logged_in:
        return web.Response(status=401, text="")
    gateway.tickles += 1
    return _json({"session": gateway.session, "ssoExpires": 3_600_000, "collission": False,
                  "userId": 1, "hmds": {"error": "no bridge"},
                  "iserver": {"authStatus": {"authenticated": gateway.authenticated,
                                             "competing": False, "connected": True}}})


async def accounts(request: web.Request) -> web.Response:
    account = _account(request)
    if request.path.endswith("/portfolio/accounts"):
        return _json([{"id": account, "accountId": account, "currency": "INR",
                       "type": "INDIVIDUAL", "desc": account}])
    return _json({"accounts": [account], "selectedAccount": account, "isPaper": True})


def _account(request: web.Request) -> str:
    return ACCOUNT  # the one account the fake keeps


async def stocks(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    found: dict[str, Any] = {}
    for symbol in request.query.get("symbols", "").split(","):
        if symbol in gateway.conids:
            found[symbol] = [{"name": gateway.names[symbol].upper(), "chineseName": None,
                              "assetClass": "STK", "contracts": [
                                  {"conid": gateway.conids[symbol], "exchange": "NSE",
                                   "isUS": False}]}]
    return _json(found)


async def place_orders(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    if request.match_info["account"] != _account(request):
        return _json({"error": "Account is not valid"}, 400)
    tickets = (await request.json()).get("orders")
    refused = gateway.refusal(tickets, _account(request))
    if refused:
        return _json({"error": refused}, 400)
    if gateway.questions:
        return _json(gateway.question(tickets, list(gateway.questions)))
    return await _placed(gateway, tickets)


async def reply(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    held = gateway.pending.pop(request.match_info["reply_id"], None)
    if held is None:
        return _json({"error": "Reply id is not valid or has expired"}, 400)
    tickets, remaining = held
    if not (await request.json()).get("confirmed"):
        return _json({"error": "Order was not confirmed"}, 400)
    if remaining:
        return _json(gateway.question(tickets, remaining))
    refused = gateway.refusal(tickets, _account(request))
    return _json({"error": refused}, 400) if refused else await _placed(gateway, tickets)


async def _placed(gateway: IbkrGateway, tickets: list[dict[str, Any]]) -> web.Response:
    answer = gateway.place(tickets)
    if gateway.delay:  # accepted, then slow to say so: the client's timeout fires first
        delay, gateway.delay = gateway.delay, 0.0
        await asyncio.sleep(delay)
    return _json(answer)


def _order(request: web.Request) -> Any:
    gateway = _gateway(request)
    wanted = request.match_info["order_id"]
    return next((o for o in gateway.book if str(o.order_id) == wanted), None)


async def modify_order(request: web.Request) -> web.Response:
    order = _order(request)
    if order is None or order.status in ("Filled", "Cancelled", "Inactive"):
        return _json({"error": f"OrderID {request.match_info['order_id']} is not working"}, 400)
    ticket = await request.json()
    order.price = Decimal(str(ticket["price"]))
    gateway = _gateway(request)
    gateway.push("sor", [gateway.order_json(order)])
    return _json([{"order_id": str(order.order_id), "order_status": order.status,
                   "encrypt_message": "1"}])


async def cancel_order(request: web.Request) -> web.Response:
    order = _order(request)
    if order is None:
        return _json({"error": f"OrderID {request.match_info['order_id']} doesn't exist"}, 400)
    _gateway(request).cancel_orders([order])
    return _json({"msg": "Request was submitted", "order_id": order.order_id,
                  "conid": order.conid, "account": _account(request)})


async def live_orders(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    # As IBKR documents: `force=true` clears the cache and answers blank; a session that
    # was never primed answers blank too.
    if request.query.get("force") == "true":
        gateway.primed = gateway.session
    if request.query.get("force") == "true" or gateway.primed != gateway.session:
        return _json({"orders": [], "snapshot": False})
    return _json({"orders": [gateway.order_json(o) for o in gateway.book], "snapshot": True})


async def trades(request: web.Request) -> web.Response:
    return _json(_gateway(request).trades)


async def invalidate(request: web.Request) -> web.Response:
    return _json({"message": "success"})


async def positions(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    if request.match_info["page"] != "0":
        return _json([])
    lines = []
    for conid, (size, average) in gateway.holdings.items():
        ticker = gateway.tickers[conid]
        lines.append({"acctId": _account(request), "conid": conid, "contractDesc": ticker,
                      "ticker": ticker, "position": float(size), "currency": "INR",
                      "avgCost": str(average), "avgPrice": str(average), "assetClass": "STK",
                      "mktPrice": str(average), "mktValue": str(size * average)})
    return _json(lines)


async def ledger(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    held = sum((size * average for size, average in gateway.holdings.values()), Decimal(0))
    entry = {"cashbalance": str(gateway.cash), "settledcash": str(gateway.cash),
             "stockmarketvalue": str(held), "netliquidationvalue": str(gateway.cash + held),
             "exchangerate": 1, "acctcode": _account(request)}
    return _json({"INR": entry | {"currency": "INR"}, "BASE": entry | {"currency": "BASE"}})


async def socket(request: web.Request) -> web.WebSocketResponse:
    gateway = _gateway(request)
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    gateway.sockets[ws], gateway.subscribed[ws] = queue, set()
    writer = asyncio.create_task(_write(ws, queue))
    queue.put_nowait(json.dumps({"message": "waiting for session"}))
    try:
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                _on_text(gateway, ws, queue, message.data)
    finally:
        del gateway.sockets[ws], gateway.subscribed[ws]
        writer.cancel()
    return ws


async def _write(ws: web.WebSocketResponse, queue: asyncio.Queue[str | None]) -> None:
    while (text := await queue.get()) is not None:
        await ws.send_str(text)
    await ws.close()


def _on_text(gateway: IbkrGateway, ws: web.WebSocketResponse,
             queue: asyncio.Queue[str | None], text: str) -> None:
    topics = gateway.subscribed[ws]
    if text.startswith("{"):
        ok = json.loads(text).get("session") == gateway.session and gateway.authenticated
        queue.put_nowait(json.dumps({"topic": "sts", "args": {
            "authenticated": ok, "competing": False, "message": "", "fail": "",
            "serverName": "eventdesk-fake", "username": "desk"}}))
        if ok:
            topics.add("session")
    elif text == "tic":
        gateway.pings += 1
        queue.put_nowait(json.dumps({"topic": "tic", "alive": True}))
    elif "session" in topics and text[:4] in ("sor+", "str+"):
        topic = text[:3]
        topics.add(topic)
        options = json.loads(text[4:] or "{}")
        if topic == "sor":
            gateway.push_to(queue, "sor", [gateway.order_json(o) for o in gateway.book])
        elif not options.get("realtimeUpdatesOnly", False):
            gateway.push_to(queue, "str", list(gateway.trades))


def build_app(gateway: IbkrGateway) -> web.Application:
    """The gateway's routes, as IBKR documents them, under `/v1/api`."""
    app = web.Application(middlewares=[_session_and_faults])
    app[GATEWAY] = gateway
    acct = ROOT + "/iserver/account/{account}"
    app.add_routes([
        web.post(ROOT + "/iserver/auth/status", auth_status),
        web.post(ROOT + "/iserver/auth/ssodh/init", ssodh_init),
        web.post(ROOT + "/tickle", tickle),
        web.get(ROOT + "/iserver/accounts", accounts),
        web.get(ROOT + "/portfolio/accounts", accounts),
        web.get(ROOT + "/trsrv/stocks", stocks),
        web.get(ROOT + "/iserver/account/orders", live_orders),
        web.get(ROOT + "/iserver/account/trades", trades),
        web.post(acct + "/orders", place_orders),
        web.post(ROOT + "/iserver/reply/{reply_id}", reply),
        web.post(acct + "/order/{order_id}", modify_order),
        web.delete(acct + "/order/{order_id}", cancel_order),
        web.post(ROOT + "/portfolio/{account}/positions/invalidate", invalidate),
        web.get(ROOT + "/portfolio/{account}/positions/{page}", positions),
        web.get(ROOT + "/portfolio/{account}/ledger", ledger),
        web.get(ROOT + "/ws", socket),
    ])
    return app
