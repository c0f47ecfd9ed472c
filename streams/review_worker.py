"""The review worker: the judge, off the hot path.

Like an outbox relay it reads the log from its own tracked position, and for each
`CardProposed` records `CardReviewRequested` (with the prompt version the card's hash
picks), calls the reviewer outside any unit of work, and records `CardReviewed` or
`CardReviewFailed`. Reviews live on their own stream (`review-…`), so approving, rejecting
or expiring a card never waits for, or conflicts with, its review. After a crash it
resumes at its tracked position; a review already concluded is never asked for again.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, TypeVar, cast
from uuid import UUID

import structlog

from adapters.eventstore.store import DeskStore
from domain.aggregates import CardReview, Cause, Prompt
from domain.events import (
    AnnouncementArrived,
    CardProposed,
    CardReviewed,
    CardReviewFailed,
    CardReviewRequested,
    Envelope,
    NewsArrived,
)
from domain.ids import prompt_stream, review_stream
from domain.review import (
    DEFAULT_PROMPT,
    RULES_PROMPT,
    SCHEMA_SHA256,
    PromptVersion,
    ReviewCall,
    pick_prompt,
)
from streams.ports import Clock, Reviewer

log = structlog.get_logger("eventdesk.judge")

T = TypeVar("T")
Write = Callable[[Callable[[], Any]], Awaitable[Any]]
"""Runs one store call where writes are serialised (the API's gate), or inline."""

WORKER_NAME = "judge"
_READ = (CardProposed.event_type, NewsArrived.event_type, AnnouncementArrived.event_type)
_HEADLINES_KEPT = 20_000


async def _inline(fn: Callable[[], T]) -> T:
    return fn()


class ReviewWorker:
    """Reviews every proposed card once, in log order, `batch` cards at a time."""

    def __init__(
        self,
        store: DeskStore,
        reviewer: Reviewer,
        clock: Clock,
        *,
        prompt_name: str = DEFAULT_PROMPT.name,
        write: Write | None = None,
        batch: int = 256,
        flush: int = 64,
        name: str = WORKER_NAME,
    ) -> None:
        self.store = store
        self.reviewer = reviewer
        self.clock = clock
        self.prompt_name = prompt_name
        self.name = name
        self.batch = batch
        self._writer: Write = write or _inline
        self._position = -1
        self._headlines: OrderedDict[str, str] = OrderedDict()
        self.flush = flush
        self._known: dict[int, PromptVersion] = {}  # prompt versions by number, this run
        self.reviewed = 0
        self.failed = 0

    async def _write(self, fn: Callable[[], T]) -> T:
        return cast(T, await self._writer(fn))

    @property
    def actor(self) -> str:
        return f"judge:{self.reviewer.kind}"

    async def drain(self) -> int:
        """Review every card logged so far; returns how many were concluded now."""
        total = 0
        while True:
            done, more = await self.run_once()
            total += done
            if not more:
                return total

    async def run(self, stop: asyncio.Event, poll_seconds: float = 0.2) -> None:
        """Keep reviewing new cards until `stop` is set."""
        while not stop.is_set():
            _, more = await self.run_once()
            if not more:
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_seconds)

    async def run_once(self) -> tuple[int, bool]:
        """Review the next page of cards; (reviews concluded, whether more may follow).

        The page's requests are recorded in one transaction before any call; outcomes are
        recorded as they come back, `flush` at a time, the last ones with the position."""
        if self._position < 0:
            self._position = await self._write(lambda: self.store.tracked(self.name))
        after = self._position
        page = await self._write(lambda: self.store.read(after, self.batch, _READ))
        if not page:
            return 0, False
        cards: list[Envelope] = []
        for rec in page:
            payload = rec.event.payload
            if isinstance(payload, CardProposed):
                cards.append(rec.event)
            elif isinstance(payload, NewsArrived | AnnouncementArrived):
                self._remember(str(rec.event.event_id), payload.headline)
        production, candidate = await self._prompts(cards)
        open_reviews = await self._request(cards, production, candidate)
        done: list[CardReview] = []
        for finished in asyncio.as_completed([self._review(e, r) for e, r in open_reviews]):
            done.append(await finished)
            if len(done) >= self.flush:
                await self._commit(done)
                done = []
        last = page[-1].position
        await self._write(lambda: self.store.commit(*done, tracking=(self.name, last)))
        self._position = last
        return len(open_reviews), len(page) == self.batch

    async def _request(
        self, cards: list[Envelope], production: PromptVersion, candidate: PromptVersion | None
    ) -> list[tuple[Envelope, CardReview]]:
        """The page's cards still to review, each with its review stream, the requests of
        new ones recorded (one transaction). A review requested before a crash is asked
        again with the version it recorded; a concluded one is left alone."""
        streams = [review_stream(e.payload.card_id) for e in cards]  # type: ignore[attr-defined]
        versions = await self._write(lambda: self.store.versions(streams))
        started = [s for s in streams if versions.get(s, 0)]
        loaded = await self._write(
            lambda: {s: self.store.load(CardReview, s) for s in started})
        todo: list[tuple[Envelope, CardReview]] = []
        for event, stream in zip(cards, streams, strict=True):
            card = event.payload
            assert isinstance(card, CardProposed)
            review = loaded.get(stream) or CardReview(stream)
            if review.done:
                continue
            if review.request is None:
                prompt = pick_prompt(card.card_id, production, candidate)
                review.request_review(CardReviewRequested(
                    card_id=card.card_id, account_id=card.account_id,
                    reviewer=self.reviewer.kind,
                    prompt_name=prompt.name, prompt_version=prompt.version,
                    model_requested=self.reviewer.model), self._cause(event, event.event_id))
            todo.append((event, review))
        fresh = [r for _, r in todo if r.has_pending]
        if fresh:
            await self._write(lambda: self.store.commit(*fresh))
        return todo

    async def _review(self, event: Envelope, review: CardReview) -> CardReview:
        """Call the reviewer for one card; its outcome waits in `review` to be committed."""
        card = event.payload
        assert isinstance(card, CardProposed) and review.request is not None
        prompt = self._known.get(review.request.prompt_version, DEFAULT_PROMPT)
        if self.reviewer.kind == "rule-based":
            prompt = RULES_PROMPT
        news = [self._headlines[str(e)] for e in card.evidence if str(e) in self._headlines]
        call = await self.reviewer.review(card, prompt, news)
        review.conclude(_outcome(card, prompt, call, self.reviewer),
                        self._cause(event, review.request_event_id or event.event_id))
        if call.body is None:
            self.failed += 1
            log.warning("card review failed", card_id=card.card_id, reason=call.failure,
                        correlation_id=event.correlation_id)
        else:
            self.reviewed += 1
        return review

    async def _commit(self, reviews: list[CardReview]) -> None:
        await self._write(lambda: self.store.commit(*reviews))

    def _cause(self, event: Envelope, caused_by: UUID) -> Cause:
        return Cause(event.occurred_at, self.clock(), self.actor, event.correlation_id,
                     caused_by)

    async def _prompts(
        self, cards: list[Envelope]
    ) -> tuple[PromptVersion, PromptVersion | None]:
        """The production and candidate versions (every version kept for resumed
        requests); the rules name their own. The first review publishes the built-in
        prompt as version 1 when none is published."""
        if self.reviewer.kind == "rule-based":
            return RULES_PROMPT, None
        stream = prompt_stream(self.prompt_name)
        prompt: Prompt = await self._write(lambda: self.store.load(Prompt, stream))
        if not prompt.versions and cards:
            first = cards[0]
            prompt.publish(
                DEFAULT_PROMPT.system, DEFAULT_PROMPT.user_template, "production",
                DEFAULT_PROMPT.candidate_share, "built-in default",
                Cause(first.occurred_at, self.clock(), self.actor, f"prompt-{self.prompt_name}"),
            )
            await self._write(lambda: self.store.commit(prompt))
        if not prompt.versions:
            return DEFAULT_PROMPT, None
        self._known = dict(prompt.versions)
        candidate = prompt.versions.get(prompt.candidate) if prompt.candidate else None
        return prompt.versions[prompt.production], candidate

    def _remember(self, event_id: str, headline: str) -> None:
        self._headlines[event_id] = headline
        if len(self._headlines) > _HEADLINES_KEPT:
            self._headlines.popitem(last=False)


def _outcome(
    card: CardProposed, prompt: PromptVersion, call: ReviewCall, reviewer: Reviewer
) -> CardReviewed | CardReviewFailed:
    """The event recording what the reviewer said (or why it said nothing usable)."""
    audit = {
        "card_id": card.card_id,
        "account_id": card.account_id,
        "prompt_name": prompt.name,
        "prompt_version": prompt.version,
        "prompt_sha256": call.prompt_sha256,
        "model_requested": reviewer.model,
        "request_id": call.request_id,
        "tokens_in": call.tokens_in,
        "tokens_out": call.tokens_out,
        "latency_ms": call.latency_ms,
        "retries": call.retries,
    }
    if call.body is None:
        return CardReviewFailed(reason=call.failure or "error", detail=call.detail[:1_000], **audit)
    body = call.body
    return CardReviewed(
        reviewer=reviewer.kind,
        verdict=body.verdict,
        confidence=body.confidence,
        thesis=body.thesis,
        risks=body.risks,
        invalidation=body.invalidation,
        schema_sha256=SCHEMA_SHA256,
        model_returned=call.model_returned,
        **audit,
    )
