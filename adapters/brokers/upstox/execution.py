"""Upstox behind the desk's `Venue` port: a bracket is one MULTIPLE GTT, found again by the
journal (GTTs carry no tag), its legs reported from the GTT's rules and the orders they
placed; positions, trades and funds from the portfolio and order APIs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.brokers.upstox.client import UpstoxClient
from adapters.brokers.upstox.config import UpstoxConfig
from adapters.brokers.upstox.gtt import (
    GttOrder,
    GttRule,
    body_fingerprint,
    modify_body,
    parse_gtt,
    place_body,
)
from adapters.brokers.upstox.instruments import InstrumentTable
from adapters.brokers.upstox.journal import GttJournal
from adapters.brokers.upstox.parsing import (
    OrderRow,
    TradeRow,
    order_tag,
    parse_funds,
    parse_holding,
    parse_order,
    parse_trade,
    parse_update,
)
from adapters.brokers.upstox.stream import PortfolioStream
from domain.broker import BrokerAck, BrokerFunds, BrokerPosition
from domain.values import Leg, Side
from domain.venue import (
    BracketRequest,
    CloseRequest,
    VenueError,
    VenueErrorKind,
    VenueOrder,
    VenueOrderStatus,
    VenueStatus,
    VenueTrade,
    VenueUpdate,
    closing_sale,
)


def close_body(request: CloseRequest, instrument_key: str, tag: str) -> dict[str, Any]:
    """The POST /v3/order/place body of an operator's close: a market sale, one order."""
    return {"quantity": request.quantity, "product": "I" if request.intraday else "D",
            "validity": "DAY", "price": 0, "tag": tag, "instrument_token": instrument_key,
            "order_type": "MARKET", "transaction_type": "SELL", "disclosed_quantity": 0,
            "trigger_price": 0, "is_amo": False, "slice": False}


# A request that failed this way may still have reached Upstox: look before sending again.
UNKNOWN_OUTCOME = (VenueErrorKind.TIMEOUT, VenueErrorKind.UNAVAILABLE)
EXIT_SIDE = {Leg.ENTRY: Side.BUY, Leg.TARGET: Side.SELL, Leg.STOP: Side.SELL}


class UpstoxVenue:
    """One Upstox account, trading the desk's brackets as MULTIPLE GTTs."""

    name = "upstox"

    def __init__(self, config: UpstoxConfig, client: UpstoxClient | None = None) -> None:
        self.config = config
        self.client = client or UpstoxClient(config)
        self.journal = GttJournal(config.journal_path)
        self._table: InstrumentTable | None = None
        self._owners: dict[str, tuple[str, Leg]] = {}  # order id -> desk order, leg
        self._tags: dict[str, str] = {}  # hashed tag -> desk order, for the sales closing it
        self._streams: list[PortfolioStream] = []

    async def instruments(self) -> InstrumentTable:
        """Today's instrument master, loaded once per session."""
        if self._table is None:
            self._table = await self.client.instruments()
        return self._table

    async def place_bracket(self, request: BracketRequest) -> BrokerAck:
        """Place the bracket as one MULTIPLE GTT, unless Upstox already holds it: only an
        id the journal names may have been sent before, so only such an id is looked up."""
        coid = request.client_order_id
        if self.journal.has(coid):
            held = await self.find(coid)
            if held:
                return self._held(coid, held)
        instrument = (await self.instruments()).lookup(request.symbol, request.isin)
        if instrument is None:
            return BrokerAck(False, reason=f"{request.symbol} is not in the Upstox "
                                           "instrument master")
        body = place_body(request, instrument, self.config.entry_protection_pct)
        await self.journal.sending(coid, body_fingerprint(body))
        try:
            data = await self.client.call("place_gtt", body=body)
        except VenueError as e:
            if e.kind in UNKNOWN_OUTCOME:
                held = await self.find(coid)
                if held:
                    return self._held(coid, held)
                raise  # still unknown: the journal keeps the fingerprint for the retry
            await self.journal.refused(coid)
            if e.kind is VenueErrorKind.REJECTED:
                return BrokerAck(False, reason=str(e))
            raise
        gtt_order_id = str(data["gtt_order_ids"][0])
        self.journal.record(coid, gtt_order_id)
        return BrokerAck(True, gtt_order_id)

    def _held(self, coid: str, held: list[VenueOrder]) -> BrokerAck:
        alive = any(o.status is not VenueOrderStatus.REJECTED for o in held)
        return BrokerAck(alive, self.journal.gtt_id(coid) or held[0].venue_order_id,
                         reason="already held at Upstox")

    async def cancel(self, client_order_id: str) -> BrokerAck:
        """Cancel the GTT's untriggered rules and any of its orders still working."""
        gtt = await self._gtt_of(client_order_id)
        return await self._cancel_seen(client_order_id, gtt, await self._book())

    async def _cancel_seen(self, client_order_id: str, gtt: GttOrder | None,
                           book: dict[str, OrderRow]) -> BrokerAck:
        """`cancel`, with the GTT and the order book the caller has just read."""
        working = [o for o in self._bracket_orders(client_order_id, gtt, book)
                   if not o.status.final]
        if not working:
            return BrokerAck(False, self.journal.gtt_id(client_order_id),
                             reason="nothing of this bracket is working at Upstox")
        if gtt is not None and any(not r.order_id and not r.venue_status.final
                                   for r in gtt.rules):
            await self.client.call("cancel_gtt", body={"gtt_order_id": gtt.gtt_order_id})
        for order in working:
            if order.venue_order_id in book:
                await self.client.call("cancel_order", params={"order_id": order.venue_order_id})
        return BrokerAck(True, self.journal.gtt_id(client_order_id))

    async def close_position(self, request: CloseRequest) -> BrokerAck:
        """Cancel the bracket's working exits, then sell at market tagged with its id,
        unless Upstox already holds that sale. The GTT and the book are read once: the
        look for the sale and the cancel of the exits use the same answer."""
        coid = request.client_order_id
        self._tags[order_tag(coid)] = coid
        await self.instruments()
        gtt = await self._gtt_of(coid)
        book = await self._book()
        sold = closing_sale(self._bracket_orders(coid, gtt, book))
        if sold is not None:
            return sold
        # The stop and target go first: nothing else may sell it.
        await self._cancel_seen(coid, gtt, book)
        instrument = (await self.instruments()).lookup(request.symbol, request.isin)
        if instrument is None:
            return BrokerAck(False, reason=f"{request.symbol} is not in the Upstox "
                                           "instrument master")
        try:
            data = await self.client.call("place_order", body=close_body(
                request, instrument.instrument_key, order_tag(coid)))
        except VenueError as e:
            if e.kind in UNKNOWN_OUTCOME:
                sold = closing_sale(await self.find(coid))
                if sold is not None:
                    return sold
            if e.kind is VenueErrorKind.REJECTED:
                return BrokerAck(False, reason=str(e))
            raise
        order_id = str(data["order_ids"][0])
        self._owners[order_id] = (coid, Leg.OPERATOR)
        return BrokerAck(True, order_id)

    async def modify(self, client_order_id: str, *, stop: Decimal | None = None,
                     target: Decimal | None = None) -> BrokerAck:
        """Move the GTT's STOPLOSS and/or TARGET trigger."""
        gtt = await self._gtt_of(client_order_id)
        if gtt is None or not gtt.working:
            return BrokerAck(False, reason="no working GTT for this order at Upstox")
        instrument = (await self.instruments()).by_key(gtt.instrument_token)
        if instrument is None:
            return BrokerAck(False, reason=f"{gtt.instrument_token} is not in the master")
        body = modify_body(gtt, stop, target, instrument.tick_size)
        await self.client.call("modify_gtt", body=body)
        return BrokerAck(True, gtt.gtt_order_id)

    async def find(self, client_order_id: str) -> list[VenueOrder]:
        """The bracket's legs (GTT rules and the orders they placed) and any order tagged
        with this desk id."""
        await self.instruments()
        gtt = await self._gtt_of(client_order_id)
        return self._bracket_orders(client_order_id, gtt, await self._book())

    async def orders(self) -> list[VenueOrder]:
        """Today's order book, plus the desk's GTT legs that have not placed an order yet."""
        await self.instruments()
        # The book first: every order in it was placed by a GTT the later list holds, so no
        # order a GTT triggered meanwhile reads as one placed elsewhere.
        book = await self._book()
        gtts = await self._gtts()
        found = [self._order(row, *self._owner_known(row)) for row in book.values()]
        for gtt in gtts:
            coid = self.journal.owner(gtt.gtt_order_id)
            if coid:
                found += [self._rule_order(coid, gtt, r) for r in gtt.rules if not r.order_id]
        return found

    async def trades(self) -> list[VenueTrade]:
        """Today's fills, each named by its desk order and leg where the desk placed it."""
        await self.instruments()
        rows = [parse_trade(r) for r in await self.client.call("trades") or []]
        if any(r.order_id not in self._owners for r in rows):
            await self._gtts()
        return [self._trade(row, *self._owner_known(row)) for row in rows]

    async def positions(self) -> list[BrokerPosition]:
        """Long-term holdings netted with today's positions, by symbol."""
        table = await self.instruments()
        held: dict[str, BrokerPosition] = {}
        for route in ("holdings", "positions"):
            for row in map(parse_holding, await self.client.call(route) or []):
                symbol = table.symbol_of(row.instrument_token, row.trading_symbol)
                before = held.get(symbol)
                quantity = row.quantity + (before.quantity if before else 0)
                average = before.average_price if before else row.average_price
                held[symbol] = BrokerPosition(symbol, quantity, average)
        return [p for p in held.values() if p.quantity]

    async def funds(self) -> BrokerFunds:
        """Funds v3: available to trade, and margin in use."""
        return parse_funds(await self.client.call("funds"))

    def updates(self) -> PortfolioStream:
        """Order and GTT updates from the portfolio stream, reconnecting by itself."""
        stream = PortfolioStream(self.client, self.config, self.updates_for, self.catch_up)
        self._streams.append(stream)
        return stream

    def status(self) -> VenueStatus:
        """Stream state, token expiry and order-API headroom."""
        last = max((s.last_update_at for s in self._streams if s.last_update_at), default=None)
        return VenueStatus(venue=self.name, connected=any(s.connected for s in self._streams),
                           token_expires_at=self.client.token_expires_at, last_update_at=last,
                           rate_headroom=self.client.limiter.headroom(),
                           rate_usage=self.client.limiter.usage())

    async def close(self) -> None:
        """Stop the update streams and close the HTTP session."""
        for stream in self._streams:
            await stream.aclose()
        await self.client.close()
        self.journal.close()

    # --- what the update stream asks of the venue -----------------------------------

    async def updates_for(self, message: Mapping[str, Any],
                          seen: set[str]) -> list[VenueUpdate]:
        """What one pushed message (stream or webhook) means: an order's new state with
        each of its fills not yet in `seen`, or the GTT legs that ended without an order.
        Raises ValueError for a malformed message."""
        update = parse_update(message)
        now = datetime.now(UTC)
        if isinstance(update, GttOrder):
            self.learn([update])
            coid = self.journal.owner(update.gtt_order_id)
            ended = [r for r in update.rules if not r.order_id and r.venue_status.final
                     and f"{update.gtt_order_id}:{r.strategy}" not in seen]
            seen.update(f"{update.gtt_order_id}:{r.strategy}" for r in ended)
            return [VenueUpdate(self._rule_order(coid, update, r), now) for r in ended]
        if update is None:
            return []
        await self.instruments()
        coid, leg = await self.owner_of(update)
        order = self._order(update, coid, leg)
        fills: list[TradeRow] = []
        if update.filled_quantity:
            rows = await self.client.call("order_trades", params={"order_id": update.order_id})
            fills = [t for t in map(parse_trade, rows or []) if t.trade_id not in seen]
            seen.update(t.trade_id for t in fills)
        if not fills:
            return [VenueUpdate(order, now)]
        return [VenueUpdate(order, now, self._trade(t, coid, leg)) for t in fills]

    async def catch_up(self, seen: set[str]) -> list[VenueUpdate]:
        """Today's fills not yet in `seen`, as updates: what a (re)connected stream may have
        missed while it was down."""
        await self.instruments()
        fresh = [t for t in map(parse_trade, await self.client.call("trades") or [])
                 if t.trade_id not in seen]
        if not fresh:
            return []
        book = await self._book()
        found = []
        for fill in fresh:
            seen.add(fill.trade_id)
            coid, leg = await self.owner_of(fill)
            if fill.order_id in book:
                order = self._order(book[fill.order_id], coid, leg)
                found.append(VenueUpdate(order, datetime.now(UTC), self._trade(fill, coid, leg)))
        return found

    # --- lookups --------------------------------------------------------------------

    async def _gtts(self, gtt_order_id: str = "") -> list[GttOrder]:
        params = {"gtt_order_id": gtt_order_id} if gtt_order_id else None
        try:
            rows = await self.client.call("gtt", params=params) or []
        except VenueError as e:
            if e.kind is not VenueErrorKind.NOT_FOUND:
                raise
            rows = []  # a GTT Upstox no longer lists (expired a year on): nothing to report
        gtts = [parse_gtt(row) for row in rows]
        self.learn(gtts)
        return gtts

    def learn(self, gtts: list[GttOrder]) -> None:
        """Tie GTTs to desk orders (by id, else fingerprint) and their orders to legs."""
        self.journal.claim(gtts)
        for gtt in gtts:
            coid = self.journal.owner(gtt.gtt_order_id)
            for rule in gtt.rules:
                if coid and rule.order_id:
                    self._owners[rule.order_id] = (coid, rule.leg)

    async def _gtt_of(self, client_order_id: str) -> GttOrder | None:
        if not self.journal.has(client_order_id):
            return None
        gtt_order_id = self.journal.gtt_id(client_order_id)
        gtts = await self._gtts(gtt_order_id)
        gtt_order_id = self.journal.gtt_id(client_order_id)
        return next((g for g in gtts if g.gtt_order_id == gtt_order_id), None)

    async def _book(self) -> dict[str, OrderRow]:
        rows = map(parse_order, await self.client.call("order_book") or [])
        return {row.order_id: row for row in rows}

    async def owner_of(self, row: OrderRow | TradeRow) -> tuple[str, Leg]:
        """The desk order and leg of an Upstox order, asking Upstox's GTTs if need be."""
        if row.order_id not in self._owners and len(self.journal):
            await self._gtts()
        return self._owner_known(row)

    def _owner_known(self, row: OrderRow | TradeRow) -> tuple[str, Leg]:
        if row.order_id in self._owners:
            return self._owners[row.order_id]
        tag = row.tag if isinstance(row, OrderRow) else ""
        if tag and tag not in self._tags:  # after a restart: the journal's ids, hashed
            self._tags.update({order_tag(c): c for c in self.journal.client_order_ids()})
        coid = self._tags.get(tag, tag if tag and order_tag(tag) == tag else "")
        if not coid:
            return "", Leg.ENTRY if row.side is Side.BUY else Leg.SQUARE_OFF
        # A desk-tagged order outside the GTT: a sale is an operator's close.
        return coid, Leg.ENTRY if row.side is Side.BUY else Leg.OPERATOR

    def _bracket_orders(self, coid: str, gtt: GttOrder | None,
                        book: dict[str, OrderRow]) -> list[VenueOrder]:
        found = []
        if gtt is not None:
            for rule in gtt.rules:
                row = book.get(rule.order_id)
                found.append(self._order(row, coid, rule.leg) if row
                             else self._rule_order(coid, gtt, rule))
        tag = order_tag(coid)
        found += [self._order(row, coid, self._owner_known(row)[1])
                  for row in book.values() if row.tag == tag]
        return found

    def symbol(self, instrument_token: str, trading_symbol: str) -> str:
        """The desk symbol for an Upstox instrument."""
        if self._table is None:
            return trading_symbol.removesuffix("-EQ") or instrument_token
        return self._table.symbol_of(instrument_token, trading_symbol)

    def _order(self, row: OrderRow, coid: str, leg: Leg) -> VenueOrder:
        return VenueOrder(
            venue_order_id=row.order_id, client_order_id=coid, leg=leg,
            symbol=self.symbol(row.instrument_token, row.trading_symbol), side=row.side,
            quantity=row.quantity, filled_quantity=row.filled_quantity,
            average_price=row.average_price, status=row.status, updated_at=row.at,
            reason=row.status_text if row.status.final else "")

    def _rule_order(self, coid: str, gtt: GttOrder, rule: GttRule) -> VenueOrder:
        side = Side(rule.transaction_type) if rule.transaction_type else EXIT_SIDE[rule.leg]
        return VenueOrder(
            venue_order_id=rule.order_id or f"{gtt.gtt_order_id}:{rule.strategy}",
            client_order_id=coid, leg=rule.leg,
            symbol=self.symbol(gtt.instrument_token, ""), side=side, quantity=gtt.quantity,
            filled_quantity=0, average_price=None, status=rule.venue_status,
            updated_at=gtt.created_at or datetime.now(UTC), reason=rule.message)

    def _trade(self, row: TradeRow, coid: str, leg: Leg) -> VenueTrade:
        return VenueTrade(
            trade_id=row.trade_id, venue_order_id=row.order_id, client_order_id=coid,
            leg=leg, symbol=self.symbol(row.instrument_token, row.trading_symbol),
            side=row.side, quantity=row.quantity, price=row.price, at=row.at)
