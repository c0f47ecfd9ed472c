"""The desk's ports: what its core needs of the outside world, each a small interface with
a real adapter and an in-memory fake (`tests/fakes.py`).

- `Clock`: the time a write is recorded at. `Timeline`: a clock the scheduler can also
  sleep on (real time, or simulated time that a backtest moves).
- `AggregateStore`: where a unit of work loads aggregates and commits their events.
- `EventLog`: the log as readers see it: streams, pages of the global order, its head.
- `Broker`: the venue the process managers drive inside a step, deterministically (the
  paper broker, which fills from the desk's own bars).
- `Venue`: a remote broker's trading API (Upstox, Kite, IBKR): asynchronous, driven outside
  any step, finding orders by the desk's client order id before it would place again.
- `MarketFeed`: a live market-data feed (Upstox V3, Kite ticker): ticks as they arrive,
  subscriptions, and its state for operators.
- `Reviewer`: the judge that reviews a proposed card (an OpenAI-compatible model, or the
  rule-based reviewer), called off the hot path by the review worker.
- `Notifier`: a chat channel operators are told on (Telegram), called by the outbox;
  `ChatBot`: one whose buttons come back to the API's webhook.
- `DeskRuntime`: the read model, operator commands and outside facts, whichever runtime
  makes the desk's decisions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, TypeVar

from domain.aggregates import Aggregate
from domain.broker import BrokerAck, BrokerFunds, BrokerPosition, OrderUpdate, WorkingOrder
from domain.events import BarClosed, CardProposed, Envelope, OrderPlaced, Recorded
from domain.inputs import InputFact
from domain.news import Polled
from domain.notify import ButtonPress, Message
from domain.review import PromptVersion, ReviewCall
from domain.ticks import FeedBatch, FeedStatus
from domain.venue import (
    BracketRequest,
    CloseRequest,
    VenueOrder,
    VenueStatus,
    VenueTrade,
    VenueUpdate,
)
from projections.desk import DeskView

if TYPE_CHECKING:
    from streams.unit_of_work import UnitOfWork

A = TypeVar("A", bound=Aggregate)

Clock = Callable[[], datetime]
"""The time a write is recorded at (`recorded_at`); desk time travels inside events."""


class Timeline(Protocol):
    """A clock the scheduler can sleep on until a job is due."""

    def now(self) -> datetime:
        """The current time on this timeline."""
        ...

    def sleep_until(self, at: datetime) -> None:
        """Return once the timeline has reached `at`."""
        ...


class AggregateStore(Protocol):
    """Loads aggregates from their streams and saves their pending events atomically."""

    def load(self, cls: type[A], stream_id: str) -> A:
        """The aggregate folded from its stream (a fresh one when the stream is empty)."""
        ...

    def versions(self, stream_ids: Iterable[str]) -> dict[str, int]:
        """The current version of each of these streams that is logged (absent: none)."""
        ...

    def commit(
        self, *aggregates: Aggregate, tracking: tuple[str, int] | None = None
    ) -> list[Recorded]:
        """Save every pending event of `aggregates` in one transaction, or none of them."""
        ...


class EventLog(Protocol):
    """The log as its readers see it (the API, equity curves): read-only."""

    def stream(self, stream_id: str) -> list[Envelope]:
        """Every event of one stream, in version order."""
        ...

    def read(self, after: int = 0, limit: int = 1000) -> list[Recorded]:
        """Up to `limit` events of the global log after position `after`."""
        ...

    def read_all(self, after: int = 0, batch: int = 2000) -> Iterator[Recorded]:
        """The global log after position `after`, to its end, read in batches."""
        ...

    def head(self) -> int:
        """The position of the last event in the log (0 when empty)."""
        ...


class ChainedLog(EventLog, Protocol):
    """The log with its tamper-evident chain: what a saved read model is checked against."""

    @property
    def url(self) -> str:
        """Where the log is stored (it may hold a password: never print it)."""
        ...

    def link_at(self, position: int) -> str | None:
        """The chain link stored at log `position` (None when the log has none there)."""
        ...


class Broker(Protocol):
    """A venue for brackets (market entry, stop and target exits, one-cancels-other).

    Requests are answered with a `BrokerAck`. What then happens to a bracket comes back
    as `OrderUpdate`s from `updates`, asked on every closed bar: the paper broker decides
    fills from that bar; a real venue reports what it pushed or what a poll returns for
    the desk's working brackets, whatever the bar.
    """

    name: str

    def place_bracket(self, order: OrderPlaced) -> BrokerAck:
        """Send a bracket; accepted means the entry is working at the venue."""
        ...

    def cancel(self, order_id: str) -> BrokerAck:
        """Cancel a bracket whose entry has not filled yet."""
        ...

    def modify(
        self, order_id: str, stop: Decimal | None = None, target: Decimal | None = None
    ) -> BrokerAck:
        """Move a live bracket's stop and/or target."""
        ...

    def close(self, order: WorkingOrder) -> BrokerAck:
        """Close a bracket's position at market (an operator's exit), as the desk's log
        knows the bracket: its stop and target go, the exit fill comes from `updates`."""
        ...

    def updates(self, bar: BarClosed, working: Sequence[WorkingOrder]) -> list[OrderUpdate]:
        """What happened to the desk's `working` brackets by the close of `bar`."""
        ...

    def positions(self) -> list[BrokerPosition]:
        """The holdings the venue reports, by symbol."""
        ...

    def funds(self) -> BrokerFunds:
        """The venue's cash: available, and used by open positions."""
        ...


class Venue(Protocol):
    """A remote broker's trading API, behind which a real account trades.

    Every call may fail with a `domain.venue.VenueError` saying how (auth, rate limit,
    refusal, unavailable, timeout). A timeout leaves it unknown whether the request took
    effect: the caller asks `find` before sending it again, so no bracket is ever placed
    twice. Adapters keep their own session (login, keepalive, rate limits) and never log a
    secret.
    """

    name: str

    async def place_bracket(self, request: BracketRequest) -> BrokerAck:
        """Send a bracket tagged with `request.client_order_id`; accepted means the venue
        holds it (`broker_order_id`: its id for the entry, or for the whole GTT)."""
        ...

    async def cancel(self, client_order_id: str) -> BrokerAck:
        """Cancel whatever of the bracket is still working (entry, or the exits)."""
        ...

    async def modify(self, client_order_id: str, *, stop: Decimal | None = None,
                     target: Decimal | None = None) -> BrokerAck:
        """Move a working bracket's stop and/or target."""
        ...

    async def close_position(self, request: CloseRequest) -> BrokerAck:
        """Close a bracket's open position (an operator's exit): cancel its working stop
        and target, then sell at market under the bracket's id; a sale the venue already
        holds under that id is answered, never sent again. The fill comes as an update."""
        ...

    async def find(self, client_order_id: str) -> list[VenueOrder]:
        """Every order the venue holds under this client order id today (none: never
        placed), so a retry after a timeout or a crash can tell."""
        ...

    async def orders(self) -> list[VenueOrder]:
        """Today's orders at the venue, the desk's and any placed elsewhere."""
        ...

    async def trades(self) -> list[VenueTrade]:
        """Today's fills at the venue."""
        ...

    async def positions(self) -> list[BrokerPosition]:
        """The holdings and today's positions the venue reports, by symbol."""
        ...

    async def funds(self) -> BrokerFunds:
        """The venue's cash: available, and used."""
        ...

    def updates(self) -> AsyncIterator[VenueUpdate]:
        """Order and fill updates as the venue pushes them, reconnecting by itself after a
        dropped connection (what was missed meanwhile comes from `orders` and `trades`)."""
        ...

    def status(self) -> VenueStatus:
        """The session as an operator sees it: connected, token expiry, rate headroom."""
        ...

    async def close(self) -> None:
        """Close the session's connections."""
        ...


class MarketFeed(Protocol):
    """A live market-data feed over one connection, reconnecting (and subscribing again)
    by itself until closed. Frames that cannot be read come back as batches with their
    bytes and the reason; time spent disconnected comes back as a batch with `gap_from`."""

    name: str

    def batches(self) -> AsyncIterator[FeedBatch]:
        """Each frame's ticks as it arrives, decoded."""
        ...

    async def subscribe(self, keys: Sequence[str]) -> None:
        """Add instruments (the venue's keys or tokens) to the subscription."""
        ...

    async def unsubscribe(self, keys: Sequence[str]) -> None:
        """Remove instruments from the subscription."""
        ...

    def status(self) -> FeedStatus:
        """Connected or not, the last message, lag and reconnects."""
        ...

    async def close(self) -> None:
        """Close the connection and stop reconnecting."""
class Reviewer(Protocol):
    """Reviews one card with one prompt version. Never raises for a failed call: a
    timeout, refusal, rate limit or unusable answer comes back as `ReviewCall.failure`."""

    kind: str  # "llm" or "rule-based", as the review events name it
    model: str  # the model requested ("" for the rules)

    async def review(self, card: CardProposed, prompt: PromptVersion,
                     news: Sequence[str]) -> ReviewCall:
        """The verdict on `card`, with the call's audit figures."""
        ...

    async def close(self) -> None:
        """Release the reviewer's connections."""
        ...


class Notifier(Protocol):
    """A channel that delivers messages to an operator's chat. Failures raise
    `domain.notify.DeliveryError` with a reason safe to record (never the bot's token)."""

    channel: str  # "telegram", as delivery events name it

    async def send(self, chat: str, message: Message) -> str:
        """Deliver `message` (with Approve/Reject buttons when it names a card); the
        channel's id for it."""
        ...

    async def edit(self, message_id: str, text: str) -> None:
        """Replace a sent message's text, removing its buttons (a decided card)."""
        ...

    async def close(self) -> None:
        """Release the channel's connections."""
        ...


class ChatBot(Notifier, Protocol):
    """A channel whose messages carry Approve/Reject buttons, pressed back to a webhook."""

    def read_press(self, update: object) -> ButtonPress | None:
        """The button press in a webhook body, or None for anything else (never raises)."""
        ...

    async def answer(self, press_id: str, text: str) -> None:
        """Tell the presser how the press went (stops the client's spinner)."""
        ...


class DeskRuntime(Protocol):
    """The read model, operator commands and outside facts: `EmbeddedRuntime` (process
    managers run in this process) or `WorkerViews` (the Kafka runtime's workers run them)."""

    @property
    def view(self) -> DeskView:
        """The desk's read model as this process knows it."""
        ...

    def execute(self, uow: UnitOfWork) -> list[Recorded]:
        """Commit an operator's unit of work; return what was recorded."""
        ...

    def ingest(self, facts: Iterable[InputFact]) -> int:
        """Append the facts not yet logged; return how many streams were written."""
        ...


class NewsSource(Protocol):
    """A polled source of news or filings (an RSS/Atom feed, NSE announcements)."""

    channel: str

    async def poll(self) -> Polled:
        """Fetch what the source has now (conditionally: `unchanged` when nothing is new)."""
        ...

    async def close(self) -> None:
        """Release the connection pool."""
        ...
