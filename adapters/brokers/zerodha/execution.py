"""`ZerodhaVenue`: the desk's `Venue` port on Kite Connect v3.

Kite has no bracket order. A bracket is its entry (a regular order tagged with the desk's
id), then a two-leg GTT (OCO) for the stop and target, which the adapter places itself when
it sees the entry COMPLETE on the ticker (or, after a missed message, in the order book
when the ticker reconnects). The GTT's owner is recovered from Kite's own books
(`gtt.owners`), so a restart loses nothing but the stop and target of entries still
working; the desk's retry of `place_bracket` hands them back without placing twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import structlog

from adapters.brokers.credentials import write_secret_file
from adapters.brokers.intents import IntentLog
from adapters.brokers.zerodha.auth import parse_postback
from adapters.brokers.zerodha.book import Book, assemble
from adapters.brokers.zerodha.client import KiteClient
from adapters.brokers.zerodha.config import KiteConfig
from adapters.brokers.zerodha.gtt import exit_form, gtt_rows
from adapters.brokers.zerodha.parsing import (
    Instrument,
    client_tag,
    parse_instruments,
    parse_margins,
    parse_positions,
    parse_trade,
    readable,
)
from adapters.brokers.zerodha.updates import UpdateFeed
from domain.broker import BrokerAck, BrokerFunds, BrokerPosition
from domain.session import IST
from domain.values import Leg
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

log = structlog.get_logger(__name__)
WORKING = (VenueOrderStatus.PENDING, VenueOrderStatus.OPEN, VenueOrderStatus.TRIGGER_PENDING,
           VenueOrderStatus.PARTIALLY_FILLED)
UNSURE = (VenueErrorKind.TIMEOUT, VenueErrorKind.UNAVAILABLE)  # the order may have gone in


class ZerodhaVenue:
    """One Kite Connect account behind the `Venue` port."""

    name = "zerodha"

    def __init__(self, config: KiteConfig) -> None:
        self.config = config
        self.client = KiteClient(config)
        self._instruments: dict[str, Instrument] | None = None
        self._ids: dict[str, str] = {}  # desk tag -> client order id
        self._pending: dict[str, BracketRequest] = {}  # tag -> bracket awaiting its entry fill
        self._gtt_tags: dict[str, str] = {}  # GTT id -> tag, for GTTs this process placed
        self._arming = asyncio.Lock()
        self._feed = UpdateFeed(self)
        self._token_expires_at: datetime | None = None  # known once `login` ran here
        self.intents = IntentLog(config.journal_path)  # entries that may be at Kite

    # --- session ---------------------------------------------------------------------

    async def login(self, request_token: str) -> None:
        """Exchange the login redirect's request token for the day's access token, kept in
        the owner-only `config.token_path` when one is set."""
        token = await self.client.exchange_request_token(request_token)
        if self.config.token_path is not None:
            write_secret_file(self.config.token_path, token)
        self._token_expires_at = token_expiry(datetime.now(UTC))

    async def receive_postback(self, body: bytes) -> None:
        """Hand a postback (Kite's POST to the app's URL) to the update feed, once its
        checksum proves Kite sent it; a forged or malformed one is refused."""
        await self._feed.on_order(parse_postback(body, self.config.api_secret))

    def status(self) -> VenueStatus:
        """Connected ticker, rate headroom, and whether Kite refused the token."""
        detail = ("Kite refused the access token: log in again" if self.client.auth_refused
                  else self._feed.stream.last_error)
        return VenueStatus(venue=self.name, connected=self._feed.stream.connected,
                           token_expires_at=self._token_expires_at,
                           last_update_at=self._feed.last_update_at,
                           rate_headroom=self.client.order_limits.headroom(),
                           rate_usage=self.client.order_limits.usage(), detail=detail)

    async def close(self) -> None:
        """Stop the ticker and close the HTTP session."""
        await self._feed.close()
        await self.client.close()
        self.intents.close()

    def updates(self) -> AsyncIterator[VenueUpdate]:
        """Order and fill updates from the ticker, from the moment of this call."""
        return self._feed.subscribe()

    # --- reading ---------------------------------------------------------------------

    def ids(self) -> dict[str, str]:
        """Desk tag -> client order id, for every desk id this process has seen."""
        return self._ids

    def remember(self, client_order_id: str) -> str:
        """The tag of a desk order id, remembered so the books name the order by its id."""
        tag = client_tag(client_order_id)
        self._ids[tag] = client_order_id
        return tag

    async def book(self) -> Book:
        """Today's orders and the desk's exits GTTs, assembled into brackets."""
        rows = await self.client.call("GET", "/orders") or []
        with readable("order book"):
            filled = any(r.get("status") == "COMPLETE" and r.get("transaction_type") == "BUY"
                         for r in rows)
        gtts = gtt_rows(await self.client.call("GET", "/gtt/triggers")) if filled else []
        with readable("order book"):
            return assemble(rows, gtts, self._ids, self._gtt_tags)

    async def find(self, client_order_id: str) -> list[VenueOrder]:
        """Every order of the bracket tagged with this desk id, its GTT legs included."""
        self.remember(client_order_id)
        return [o for o in (await self.book()).orders if o.client_order_id == client_order_id]

    async def orders(self) -> list[VenueOrder]:
        """Today's orders at Kite, the desk's named by their client order ids."""
        return (await self.book()).orders

    async def trades(self) -> list[VenueTrade]:
        """Today's fills (`/trades`), each named by its order's bracket and leg."""
        book = await self.book()
        rows = await self.client.call("GET", "/trades") or []
        with readable("trades"):
            return [parse_trade(r, *book.owner.get(str(r["order_id"]), ("", Leg.ENTRY)))
                    for r in rows]

    async def order_trades(self, venue_order_id: str, client_order_id: str,
                           leg: Leg) -> list[VenueTrade]:
        """The fills of one order (`/orders/{id}/trades`)."""
        rows = await self.client.call("GET", f"/orders/{venue_order_id}/trades") or []
        with readable("order trades"):
            return [parse_trade(r, client_order_id, leg) for r in rows]

    async def positions(self) -> list[BrokerPosition]:
        """Holdings (settled and T1) plus today's net positions, by symbol."""
        positions = await self.client.call("GET", "/portfolio/positions") or {}
        holdings = await self.client.call("GET", "/portfolio/holdings") or []
        with readable("positions and holdings"):
            return parse_positions(positions, holdings)

    async def funds(self) -> BrokerFunds:
        """The equity segment's margins."""
        data = await self.client.call("GET", "/user/margins") or {}
        with readable("margins"):
            return parse_margins(data)

    async def instrument(self, symbol: str) -> Instrument | None:
        """The exchange's instrument for a symbol, from Kite's daily instruments CSV."""
        if self._instruments is None:
            text = await self.client.text(f"/instruments/{self.config.exchange}")
            self._instruments = parse_instruments(text, self.config.exchange)
        return self._instruments.get(symbol)

    # --- trading ---------------------------------------------------------------------

    async def place_bracket(self, request: BracketRequest) -> BrokerAck:
        """Place the entry unless Kite already holds one under this desk id (looked up only
        for an id the intents journal names); the exits follow as a two-leg GTT once it
        fills."""
        tag = self.remember(request.client_order_id)
        self._feed.start()
        if self.intents.may_have_sent(request.client_order_id):
            held = await self._held(request)
            if held is not None:
                return held
        instrument = await self.instrument(request.symbol)
        if instrument is None:
            return BrokerAck(False, reason=f"{request.symbol} is not in Kite's "
                                           f"{self.config.exchange} instruments")
        self._pending[tag] = request  # before sending: a fill may be pushed before the answer
        await self.intents.sending(request.client_order_id)
        try:
            data = await self.client.call("POST", "/orders/regular",
                                          form=self._entry_form(request, instrument, tag),
                                          order=True)
        except VenueError as e:
            if e.kind in UNSURE:
                held = await self._held(request)
                if held is not None:
                    return held
            self._pending.pop(tag, None)
            if e.kind is VenueErrorKind.REJECTED:
                return BrokerAck(False, reason=str(e))
            raise
        with readable("order answer"):
            return BrokerAck(True, broker_order_id=str(data["order_id"]))

    async def _held(self, request: BracketRequest) -> BrokerAck | None:
        """The ack for an entry Kite already holds under this desk id (None: none yet);
        a working or filled one gets its exits armed with the request's prices."""
        orders = await self.find(request.client_order_id)
        entry = next((o for o in orders if o.leg is Leg.ENTRY), None)
        if entry is None:
            return None
        has_exits = any(o.leg in (Leg.STOP, Leg.TARGET) for o in orders)
        if entry.status in WORKING and not has_exits:
            self._pending[client_tag(request.client_order_id)] = request
        elif entry.status is VenueOrderStatus.FILLED and not has_exits:
            self._pending[client_tag(request.client_order_id)] = request
            try:
                await self.arm_exits(entry, client_tag(request.client_order_id))
            except VenueError as e:  # the entry stands; the exits go on the next try
                log.warning("kite exits not armed", error=e.kind.value, code=e.code)
        accepted = entry.status is not VenueOrderStatus.REJECTED
        return BrokerAck(accepted, broker_order_id=entry.venue_order_id, reason=entry.reason)

    def _entry_form(self, request: BracketRequest, instrument: Instrument,
                    tag: str) -> dict[str, str]:
        form = {"exchange": instrument.exchange, "tradingsymbol": instrument.tradingsymbol,
                "transaction_type": "BUY", "quantity": str(request.quantity),
                "product": _product(request), "validity": "DAY", "tag": tag}
        if request.entry_limit is None:
            form |= {"order_type": "MARKET",
                     "market_protection": str(self.config.market_protection)}
        else:
            form |= {"order_type": "LIMIT", "price": str(request.entry_limit)}
        return form

    async def arm_exits(self, entry: VenueOrder, tag: str) -> None:
        """Place the two-leg GTT of the filled `entry` tagged `tag`, once: skipped when its
        stop and target are unknown here, or when Kite already holds its GTT."""
        async with self._arming:
            request = self._pending.get(tag)
            if request is None:
                return
            if tag in (await self.book()).exits:
                self._pending.pop(tag, None)
                return
            instrument = await self.instrument(request.symbol)
            if instrument is None:
                return
            form = exit_form(instrument, quantity=entry.filled_quantity, stop=request.stop,
                             target=request.target, last_price=entry.average_price
                             or request.reference_price, product=_product(request),
                             tag=tag, slippage=self.config.stop_limit_slippage)
            data = await self.client.call("POST", "/gtt/triggers", form=form, order=True)
            with readable("GTT answer"):
                self._gtt_tags[str(data["trigger_id"])] = tag
            self._pending.pop(tag, None)
            log.info("kite exits armed", client_order_id=request.client_order_id,
                     gtt=str(data["trigger_id"]))

    async def close_position(self, request: CloseRequest) -> BrokerAck:
        """Cancel the bracket's working exits, then sell at market (with Kite's market
        protection) tagged with its id, unless Kite already holds that sale."""
        tag = self.remember(request.client_order_id)
        self._feed.start()
        book = await self.book()  # read once: the look for the sale and the cancel share it
        sold = closing_sale([o for o in book.orders
                             if o.client_order_id == request.client_order_id])
        if sold is not None:
            return sold
        # The exits go first: nothing else may sell it meanwhile.
        await self._cancel_seen(request.client_order_id, book)
        instrument = await self.instrument(request.symbol)
        if instrument is None:
            return BrokerAck(False, reason=f"{request.symbol} is not in Kite's "
                                           f"{self.config.exchange} instruments")
        form = {"exchange": instrument.exchange, "tradingsymbol": instrument.tradingsymbol,
                "transaction_type": "SELL", "quantity": str(request.quantity),
                "product": "MIS" if request.intraday else "CNC", "validity": "DAY",
                "order_type": "MARKET", "tag": tag,
                "market_protection": str(self.config.market_protection)}
        try:
            data = await self.client.call("POST", "/orders/regular", form=form, order=True)
        except VenueError as e:
            if e.kind in UNSURE:
                sold = closing_sale(await self.find(request.client_order_id))
                if sold is not None:
                    return sold
            if e.kind is VenueErrorKind.REJECTED:
                return BrokerAck(False, reason=str(e))
            raise
        with readable("order answer"):
            return BrokerAck(True, broker_order_id=str(data["order_id"]))

    async def cancel(self, client_order_id: str) -> BrokerAck:
        """Cancel the working entry, or the exits GTT (and any exit order it placed)."""
        return await self._cancel_seen(client_order_id, await self.book())

    async def _cancel_seen(self, client_order_id: str, book: Book) -> BrokerAck:
        """`cancel`, with the book the caller has just read."""
        tag = self.remember(client_order_id)
        self._pending.pop(tag, None)  # an entry cancelled now must never get exits later
        working = [o for o in book.orders
                   if o.client_order_id == client_order_id and o.status in WORKING]
        if not working:
            return BrokerAck(False, reason="nothing of this bracket is working at Kite")
        gtt = book.exits.get(tag)
        try:
            for order in working:
                if gtt is not None and order.venue_order_id == gtt.gtt_id:
                    continue
                await self.client.call("DELETE", f"/orders/regular/{order.venue_order_id}",
                                       order=True)
            if gtt is not None and gtt.status == "active":
                await self.client.call("DELETE", f"/gtt/triggers/{gtt.gtt_id}", order=True)
        except VenueError as e:
            if e.kind is VenueErrorKind.REJECTED:
                return BrokerAck(False, reason=str(e))
            raise
        return BrokerAck(True, broker_order_id=working[0].venue_order_id)

    async def modify(self, client_order_id: str, *, stop: Decimal | None = None,
                     target: Decimal | None = None) -> BrokerAck:
        """Move the stop and/or target: on the active GTT, or, before the entry fills, in
        the exits still to be placed."""
        tag = self.remember(client_order_id)
        book = await self.book()
        gtt = book.exits.get(tag)
        if gtt is None or gtt.status != "active":
            request = self._pending.get(tag)
            if request is None:
                return BrokerAck(False, reason="no exits of this bracket are waiting at Kite")
            self._pending[tag] = replace(request, stop=stop or request.stop,
                                         target=target or request.target)
            return BrokerAck(True, broker_order_id=tag)
        return await self._modify_gtt(book, tag, stop, target)

    async def _modify_gtt(self, book: Book, tag: str, stop: Decimal | None,
                          target: Decimal | None) -> BrokerAck:
        gtt = book.exits[tag]
        entry = next(o for o in book.orders
                     if o.leg is Leg.ENTRY and client_tag(o.client_order_id) == tag)
        instrument = await self.instrument(gtt.tradingsymbol)
        if instrument is None or len(gtt.trigger_values) != 2:
            return BrokerAck(False, reason="the GTT is not a desk bracket's exits")
        new_stop, new_target = stop or gtt.trigger_values[0], target or gtt.trigger_values[1]
        if not new_stop < new_target:
            return BrokerAck(False, reason="the stop must stay below the target")
        form = exit_form(instrument, quantity=gtt.quantity, stop=new_stop, target=new_target,
                         last_price=entry.average_price or (new_stop + new_target) / 2,
                         product=gtt.product, tag=tag,
                         slippage=self.config.stop_limit_slippage)
        try:
            await self.client.call("PUT", f"/gtt/triggers/{gtt.gtt_id}", form=form, order=True)
        except VenueError as e:
            if e.kind is VenueErrorKind.REJECTED:
                return BrokerAck(False, reason=str(e))
            raise
        return BrokerAck(True, broker_order_id=gtt.gtt_id)


def _product(request: BracketRequest) -> str:
    """Kite's product: MIS is squared off the same day, CNC is delivery."""
    return "MIS" if request.intraday else "CNC"


def token_expiry(logged_in_at: datetime) -> datetime:
    """When a Kite access token dies: 06:00 IST on the morning after the login."""
    local = logged_in_at.astimezone(IST)
    morning = datetime.combine(local.date(), time(6), IST)
    return (morning if local < morning else morning + timedelta(days=1)).astimezone(UTC)
