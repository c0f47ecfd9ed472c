"""The notification outbox: operators told of what the log records, off the hot path.

Like the review worker it reads the log from its own tracked position. Each notifiable
event becomes a message for every operator subscribed to its topic; each (event, channel)
delivery lives on its own stream, so a message the channel accepted is never sent again,
whatever restarts. A failure is recorded with its reason and retried with exponential
backoff; the position never passes an event with an undelivered message, so an outage
loses nothing. A refusal that asking again cannot change (the chat blocked the bot) is
recorded as given up and no longer holds the others back. Delivery is at-least-once:
only a crash between the channel's acceptance and its record can repeat a message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

import structlog

from adapters.eventstore.store import DeskStore
from domain.aggregates import Cause, Delivery
from domain.events import CardReviewed, Envelope, NotificationFailed, NotificationSent, Recorded
from domain.ids import notification_stream
from domain.notify import DECIDED, RENDERERS, DeliveryError, Message, decided_text, render
from streams.ports import Clock, Notifier

log = structlog.get_logger("eventdesk.notify")

T = TypeVar("T")
Write = Callable[[Callable[[], Any]], Awaitable[Any]]
"""Runs one store call where writes are serialised (the API's gate), or inline."""

WORKER_NAME = "notify"
_READ = (*RENDERERS, *DECIDED)
_VERDICTS_KEPT = 50_000


@dataclass(frozen=True)
class Recipient:
    """An operator's chat on the outbox's channel and the topics she is told of."""

    operator: str
    chat: str
    topics: frozenset[str]


@dataclass
class _Job:
    position: int
    event: Envelope
    recipient: Recipient
    message: Message
    delivery: Delivery


async def _inline(fn: Callable[[], T]) -> T:
    return fn()


class Outbox:
    """Delivers the log's notifiable events to `recipients` through `notifier`."""

    def __init__(
        self,
        store: DeskStore,
        notifier: Notifier,
        recipients: Sequence[Recipient],
        clock: Clock,
        *,
        write: Write | None = None,
        batch: int = 256,
        concurrency: int = 16,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 60.0,
        start_at_head: bool = False,
        name: str = WORKER_NAME,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.recipients = tuple(recipients)
        self.clock = clock
        self.batch = batch
        self.name = name
        self.backoff_seconds = backoff_seconds
        self.start_at_head = start_at_head
        self.max_backoff_seconds = max_backoff_seconds
        self._writer: Write = write or _inline
        self._limit = asyncio.Semaphore(concurrency)
        self._position = -1
        self._verdicts: dict[str, str] = {}
        self._failures_in_a_row = 0
        self.retry_in = 0.0  # seconds to wait before the next attempt (0: none failed)
        self.sent = 0
        self.failed = 0

    @property
    def actor(self) -> str:
        return f"notify:{self.notifier.channel}"

    async def _write(self, fn: Callable[[], T]) -> T:
        return cast(T, await self._writer(fn))

    async def run(self, stop: asyncio.Event, poll_seconds: float = 0.2) -> None:
        """Deliver new events until `stop` is set, backing off while the channel fails."""
        while not stop.is_set():
            try:
                _, more = await self.run_once()
            except Exception:  # the store briefly unavailable: try again, never die
                log.exception("notification outbox step failed")
                more, self.retry_in = False, max(self.retry_in, poll_seconds)
            if not more:
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.retry_in or poll_seconds)

    async def drain(self) -> int:
        """Deliver everything logged so far (one attempt each); how many were sent now."""
        total = 0
        while True:
            sent, more = await self.run_once()
            total += sent
            if not more or self.retry_in:
                return total

    async def begin(self) -> None:
        """Take the start position (once): what is logged after it will be delivered."""
        if self._position < 0:
            self._position = await self._write(self._start)

    async def run_once(self) -> tuple[int, bool]:
        """Deliver the next page; (messages sent, whether more may follow at once)."""
        await self.begin()
        after = self._position
        page: list[Recorded] = await self._write(
            lambda: self.store.read(after, self.batch, _READ))
        if not page:
            return 0, False
        jobs = await self._jobs(page)
        results = await asyncio.gather(*(self._deliver(job) for job in jobs))
        failed_at = [job.position for job, done in zip(jobs, results, strict=True) if not done]
        reached = min(failed_at) - 1 if failed_at else page[-1].position
        deliveries = [job.delivery for job in jobs if job.delivery.has_pending]
        tracking = (self.name, reached) if reached > self._position else None
        await self._write(lambda: self.store.commit(*deliveries, tracking=tracking))
        await self._show_outcomes([r for r in page if r.position <= reached])
        self._position = max(self._position, reached)
        sent = sum(1 for job in jobs if job.delivery.sent)
        self.sent += sent
        self.failed += len(results) - sent
        self._pace(bool(failed_at))
        return sent, not failed_at and len(page) == self.batch

    def _start(self) -> int:
        """Where to read from: the tracked position; on the very first run of a desk that
        already has a history, its head when `start_at_head` (operators are told what
        happens from now on, not every expired card of the past)."""
        tracked = self.store.tracked(self.name)
        head = self.store.head()
        if tracked == 0 and self.start_at_head and head > 0:
            self.store.commit(tracking=(self.name, head))
            return head
        return tracked

    async def _jobs(self, page: list[Recorded]) -> list[_Job]:
        """The page's deliveries not yet accepted by the channel, each with its stream."""
        wanted: list[tuple[Recorded, Recipient, Message, str]] = []
        for rec in page:
            payload = rec.event.payload
            if isinstance(payload, CardReviewed):
                self._remember(payload.card_id, f"{payload.verdict} ({payload.confidence})")
            verdict = self._verdicts.get(getattr(payload, "card_id", ""), "")
            rendered = render(payload, verdict)
            if rendered is None:
                continue
            topic, message = rendered
            for recipient in self.recipients:
                if topic in recipient.topics:
                    stream: str = notification_stream(rec.event.event_id, self._channel(recipient))
                    wanted.append((rec, recipient, message, stream))
        streams = [w[3] for w in wanted]
        versions = await self._write(lambda: self.store.versions(streams))
        started = [name for name in streams if versions.get(name, 0)]
        loaded = await self._write(
            lambda: {name: self.store.load(Delivery, name) for name in started})
        jobs = []
        for rec, recipient, message, stream in wanted:
            delivery = loaded.get(stream) or Delivery(stream)
            if not delivery.sent and not delivery.given_up:
                jobs.append(_Job(rec.position, rec.event, recipient, message, delivery))
        return jobs

    async def _deliver(self, job: _Job) -> bool:
        """Send one message; its acceptance or failure waits in the delivery to be saved."""
        event, recipient = job.event, job.recipient
        attempt = job.delivery.attempts + 1
        about = {"event_id": event.event_id, "about_type": event.type,
                 "channel": self._channel(recipient), "operator": recipient.operator,
                 "attempt": attempt}
        cause = Cause(event.occurred_at, self.clock(), self.actor, event.correlation_id,
                      event.event_id)
        try:
            async with self._limit:
                message_id = await self.notifier.send(recipient.chat, job.message)
        except DeliveryError as e:
            self.retry_in = max(self.retry_in, e.retry_after)
            job.delivery.record_failed(NotificationFailed(
                reason=e.reason[:500], given_up=e.permanent, **about), cause)
            log.warning("notification failed", reason=e.reason, operator=recipient.operator,
                        attempt=attempt, given_up=e.permanent,
                        correlation_id=event.correlation_id)
            return e.permanent  # given up: recorded, and it no longer holds the position
        job.delivery.record_sent(NotificationSent(message_id=message_id, **about), cause)
        return True

    async def _show_outcomes(self, page: list[Recorded]) -> None:
        """Edit each decided card's messages to show the outcome, their buttons gone,
        whoever decided (the console, a chat, the expiry). Best effort: a failed edit
        is logged, and a press on a stale button is refused by the card itself."""
        for rec in page:
            decided = decided_text(rec.event.payload)
            if decided is None:
                continue
            card_id, text = decided
            sent = await self._write(partial(self._card_messages, card_id))
            for delivery in sent:
                if delivery.message_id:
                    try:
                        await self.notifier.edit(delivery.message_id, text)
                    except DeliveryError as e:
                        log.warning("notification edit failed", reason=e.reason,
                                    card_id=card_id, correlation_id=rec.event.correlation_id)

    def _card_messages(self, card_id: str) -> list[Delivery]:
        """The deliveries of a card's proposal to the recipients told of cards."""
        proposed = self.store.stream(card_id)[:1]
        if not proposed:
            return []
        return [self.store.load(Delivery, notification_stream(proposed[0].event_id,
                                                              self._channel(r)))
                for r in self.recipients if "cards" in r.topics]

    def _channel(self, recipient: Recipient) -> str:
        return f"{self.notifier.channel}-{recipient.chat}"

    def _pace(self, failed: bool) -> None:
        """Exponential backoff while the channel fails (at least what it asked for)."""
        if not failed:
            self._failures_in_a_row, self.retry_in = 0, 0.0
            return
        self._failures_in_a_row += 1
        backoff = self.backoff_seconds * 2 ** min(self._failures_in_a_row - 1, 16)
        self.retry_in = min(self.max_backoff_seconds, max(backoff, self.retry_in))

    def _remember(self, card_id: str, verdict: str) -> None:
        self._verdicts[card_id] = verdict
        if len(self._verdicts) > _VERDICTS_KEPT:
            self._verdicts.pop(next(iter(self._verdicts)))
