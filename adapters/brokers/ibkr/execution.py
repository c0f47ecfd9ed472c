"""The desk's `Venue` on IBKR's Client Portal Web API: brackets as parent + two children in
one request, confirmed through the reply loop only for questions on the desk's allow-list,
and never placed twice (IBKR refuses a cOID it holds; a timeout is resolved by lookup).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import structlog

from adapters.brokers.ibkr import parsing
from adapters.brokers.ibkr.client import IbkrClient
from adapters.brokers.ibkr.config import IbkrConfig
from adapters.brokers.ibkr.orders import (
    bracket_tickets,
    close_ticket,
    coid_for,
    modified_ticket,
)
from adapters.brokers.ibkr.replies import Duplicate, Placed, Question, answer
from adapters.brokers.ibkr.stream import UpdateStream
from domain.broker import BrokerAck, BrokerFunds, BrokerPosition
from domain.values import Leg
from domain.venue import (
    BracketRequest,
    CloseRequest,
    VenueError,
    VenueErrorKind,
    VenueOrder,
    VenueStatus,
    VenueTrade,
    VenueUpdate,
    closing_sale,
)

log = structlog.get_logger("eventdesk.ibkr")

MAX_QUESTIONS = 10  # IBKR may chain questions; more than this is not a bracket's worth
POSITIONS_PAGE = 100  # IBKR pages portfolio positions 100 at a time


@contextmanager
def readable(what: str) -> Iterator[None]:
    """Turn an unreadable IBKR payload into a clear venue error instead of a crash."""
    try:
        yield
    except (parsing.PayloadError, TypeError, AttributeError) as e:
        raise VenueError(VenueErrorKind.UNAVAILABLE, f"IBKR sent an unreadable {what}: "
                         f"{e}") from None


class IbkrVenue:
    """One IBKR account trading through one Client Portal gateway."""

    name = "ibkr"

    def __init__(self, config: IbkrConfig, contracts: Mapping[str, int] | None = None) -> None:
        self.config = config
        self._client = IbkrClient(config)
        self._conids: dict[str, int] = dict(contracts or {})
        self._symbols: dict[int, str] = {c: s for s, c in self._conids.items()}
        self._coids: dict[str, str] = {}  # hashed parent cOID -> the desk's order id
        self._stream = UpdateStream(self._client, symbols=self._symbols, coids=self._coids)
        self._prepared = False
        self._primed_for = ""  # the session whose live-orders list has been primed

    async def place_bracket(self, request: BracketRequest) -> BrokerAck:
        """Send the bracket; a question off the allow-list refuses it (nothing placed), and
        a cOID IBKR already holds or a timeout is answered by what IBKR holds."""
        tickets = bracket_tickets(request, account_id=self.config.account_id,
                                  conid=await self.conid(request.symbol),
                                  parent_coid=self._coid(request.client_order_id))
        try:
            reply = await self._confirmed(await self._request(
                "POST", f"/iserver/account/{self._account}/orders", {"orders": tickets}))
        except VenueError as e:
            if e.kind is not VenueErrorKind.TIMEOUT:
                raise
            held = await self._entry(request.client_order_id)
            if held is None:
                raise
            return BrokerAck(accepted=True, broker_order_id=held.venue_order_id)
        if isinstance(reply, Question):
            return BrokerAck(accepted=False, reason=f"IBKR asked: {reply.text}")
        if isinstance(reply, Duplicate):
            held = await self._entry(request.client_order_id)
            if held is None:
                return BrokerAck(accepted=False, reason=f"IBKR already holds cOID {reply.coid} "
                                 "but lists no order under it today")
            return BrokerAck(accepted=True, broker_order_id=held.venue_order_id)
        return BrokerAck(accepted=True, broker_order_id=reply.order_ids[0])

    async def close_position(self, request: CloseRequest) -> BrokerAck:
        """Cancel the bracket's working exits, then sell at market under the bracket's
        close cOID; one IBKR already holds (or a timeout) is answered by what it holds."""
        coid = request.client_order_id
        sold = closing_sale(await self.find(coid))
        if sold is not None:
            return sold
        await self.cancel(coid)  # the stop and target go first: nothing else may sell it
        ticket = close_ticket(request, account_id=self.config.account_id,
                              conid=await self.conid(request.symbol),
                              parent_coid=self._coid(coid))
        try:
            reply = await self._confirmed(await self._request(
                "POST", f"/iserver/account/{self._account}/orders", {"orders": [ticket]}))
        except VenueError as e:
            if e.kind is not VenueErrorKind.TIMEOUT:
                raise
            sold = closing_sale(await self.find(coid))
            if sold is None:
                raise
            return sold
        if isinstance(reply, Question):
            return BrokerAck(accepted=False, reason=f"IBKR asked: {reply.text}")
        if isinstance(reply, Duplicate):
            return closing_sale(await self.find(coid)) or BrokerAck(
                accepted=False, reason=f"IBKR already holds cOID {reply.coid} but lists "
                "no order under it today")
        return BrokerAck(accepted=True, broker_order_id=reply.order_ids[0])

    async def cancel(self, client_order_id: str) -> BrokerAck:
        """Cancel the entry while it works (IBKR cancels its children with it), else the
        working exits."""
        working = [o for o in await self.find(client_order_id) if not o.status.final]
        if not working:
            return BrokerAck(accepted=False, reason="nothing working at IBKR under "
                             f"{client_order_id}")
        entry = [o for o in working if o.leg is Leg.ENTRY]
        for order in entry or working:
            await self._request("DELETE", self._order_path(order.venue_order_id))
        return BrokerAck(accepted=True, broker_order_id=(entry or working)[0].venue_order_id)

    async def modify(self, client_order_id: str, *, stop: Decimal | None = None,
                     target: Decimal | None = None) -> BrokerAck:
        """Move the working stop and/or target to new prices."""
        self._coid(client_order_id)
        moves = {Leg.STOP: stop, Leg.TARGET: target}
        moved = ""
        for raw in await self._live_orders():
            order = self._read(raw)
            price = moves.get(order.leg)
            if order.client_order_id != client_order_id or price is None or order.status.final:
                continue
            ticket = modified_ticket(
                account_id=self.config.account_id, conid=await self.conid(order.symbol),
                leg=order.leg, quantity=order.quantity - order.filled_quantity, price=price,
                tif=str(raw.get("timeInForce") or "GTC"))
            reply = await self._confirmed(
                await self._request("POST", self._order_path(order.venue_order_id), ticket))
            if isinstance(reply, Question):
                return BrokerAck(accepted=False, reason=f"IBKR asked: {reply.text}")
            moved = order.venue_order_id
        if not moved:
            return BrokerAck(accepted=False, reason=f"no working exit to move under "
                             f"{client_order_id}")
        return BrokerAck(accepted=True, broker_order_id=moved)

    async def find(self, client_order_id: str) -> list[VenueOrder]:
        """The bracket's legs IBKR lists today under the desk's id."""
        self._coid(client_order_id)
        return [o for o in await self.orders() if o.client_order_id == client_order_id]

    async def orders(self) -> list[VenueOrder]:
        """Today's orders on the account (`GET /iserver/account/orders`)."""
        return [self._read(raw) for raw in await self._live_orders()]

    async def trades(self) -> list[VenueTrade]:
        """Today's executions (`GET /iserver/account/trades`)."""
        payload = await self._request("GET", "/iserver/account/trades")
        with readable("trades"):
            return parsing.trades(payload or [], symbols=self._symbols, coids=self._coids,
                                  now=datetime.now(UTC))

    async def positions(self) -> list[BrokerPosition]:
        """The account's positions, fresh (IBKR caches them: the cache is dropped first)."""
        await self._portfolio()
        await self._request("POST", f"/portfolio/{self._account}/positions/invalidate")
        held: list[BrokerPosition] = []
        page = 0
        while True:
            payload = await self._request("GET", f"/portfolio/{self._account}/positions/{page}")
            with readable("positions"):
                held += parsing.positions(payload or [], symbols=self._symbols)
            if len(payload or []) < POSITIONS_PAGE:
                return held
            page += 1

    async def funds(self) -> BrokerFunds:
        """Cash in the configured ledger currency (the account's base by default)."""
        await self._portfolio()
        payload = await self._request("GET", f"/portfolio/{self._account}/ledger")
        with readable("ledger"):
            return parsing.funds(payload, self.config.ledger_currency)

    def updates(self) -> AsyncIterator[VenueUpdate]:
        """Order and trade updates from the gateway websocket, from this call on."""
        return self._stream.reader()

    def status(self) -> VenueStatus:
        """Session, stream and rate-limit state, without the session token."""
        return VenueStatus(
            venue=self.name, connected=self._stream.connected,
            token_expires_at=self._client.sso_expires_at,
            last_update_at=self._stream.last_update_at,
            rate_headroom=self._client.limiter.headroom(),
            rate_usage=self._client.limiter.usage(),
            detail=("brokerage session authenticated" if self._client.authenticated
                    else "no brokerage session: log in to the gateway"))

    async def close(self) -> None:
        """Stop the stream and the keepalive; close the HTTP session."""
        await self._stream.close()
        await self._client.close()

    async def conid(self, symbol: str) -> int:
        """IBKR's contract id for a desk symbol on the configured exchange, looked up once
        (`GET /trsrv/stocks`) and kept in the contracts table."""
        if symbol not in self._conids:
            payload = await self._request("GET", f"/trsrv/stocks?symbols={quote(symbol)}")
            try:
                found = parsing.conid(payload, symbol, self.config.exchange)
            except parsing.PayloadError as e:
                raise VenueError(VenueErrorKind.REJECTED, str(e)) from None
            self._conids[symbol] = found
            self._symbols[found] = symbol
        return self._conids[symbol]

    @property
    def _account(self) -> str:
        return quote(self.config.account_id)

    def _order_path(self, venue_order_id: str) -> str:
        return f"/iserver/account/{self._account}/order/{quote(venue_order_id)}"

    def _coid(self, client_order_id: str) -> str:
        coid = coid_for(client_order_id, self.config.coid_max_length)
        if coid != client_order_id:
            self._coids[coid] = client_order_id
        return coid

    async def _request(self, method: str, path: str, body: Any = None) -> Any:
        if not self._prepared:
            # IBKR wants the account list read once per session before /iserver/account/*.
            await self._client.request("GET", "/iserver/accounts")
            self._prepared = True
        return await self._client.request(method, path, body)

    async def _portfolio(self) -> None:
        # ... and /portfolio/accounts before the other /portfolio endpoints.
        await self._request("GET", "/portfolio/accounts")

    def _read(self, raw: Mapping[str, Any]) -> VenueOrder:
        with readable("order"):
            return parsing.order(raw, symbols=self._symbols, coids=self._coids,
                                 now=datetime.now(UTC))

    async def _live_orders(self) -> list[Mapping[str, Any]]:
        # A session's first read comes back empty until `force=true` (whose own answer is
        # blank by design) has primed it: prime once per session, then read.
        session = await self._client.session_token()
        if self._primed_for != session:
            await self._request("GET", "/iserver/account/orders?force=true")
            self._primed_for = session
        payload = await self._request("GET", "/iserver/account/orders")
        if not isinstance(payload, Mapping):
            raise VenueError(VenueErrorKind.UNAVAILABLE, "IBKR live orders: unexpected answer")
        return [o for o in payload.get("orders") or []
                if str(o.get("acct") or self.config.account_id) == self.config.account_id]

    async def _entry(self, client_order_id: str) -> VenueOrder | None:
        return next((o for o in await self.find(client_order_id) if o.leg is Leg.ENTRY), None)

    async def _confirmed(self, payload: Any) -> Placed | Duplicate | Question:
        """Answer IBKR's questions from the allow-list until it places or refuses; a
        question off the list is declined and returned (nothing placed)."""
        for _ in range(MAX_QUESTIONS):
            reply = answer(payload)
            if not isinstance(reply, Question):
                return reply
            if not reply.accepted_by(self.config.accepted_questions):
                await self._decline(reply)
                return reply
            payload = await self._request("POST", f"/iserver/reply/{quote(reply.reply_id)}",
                                          {"confirmed": True})
        raise VenueError(VenueErrorKind.REJECTED,
                         f"IBKR asked more than {MAX_QUESTIONS} questions")

    async def _decline(self, question: Question) -> None:
        try:
            await self._request("POST", f"/iserver/reply/{quote(question.reply_id)}",
                                {"confirmed": False})
        except VenueError as e:
            # An unconfirmed order is never placed, so a failed "no" changes nothing.
            log.warning("ibkr_decline_failed", kind=e.kind.value, status=e.status)
