"""Inputs from the outside world: news, exchange announcements, bars, and rejected input."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, model_validator

from domain.events.envelope import Payload, register
from domain.money import Price
from domain.values import Symbol


class _FeedItem(Payload):
    """What every news item and filing carries. Not an event type of its own; the fields
    that differ come after these, so each event's fields keep their order on the wire."""

    source_id: Annotated[str, Field(min_length=1, max_length=200)]
    source: Annotated[str, Field(min_length=1, max_length=100)]
    published_at: AwareDatetime
    headline: Annotated[str, Field(min_length=1, max_length=1_000)]
    body: Annotated[str, Field(max_length=20_000)] = ""


@register
class NewsArrived(_FeedItem):
    """A news item from a wire or media source."""

    symbols: tuple[Symbol, ...] = ()
    category: Annotated[str, Field(min_length=1, max_length=100)]


@register
class AnnouncementArrived(_FeedItem):
    """An exchange filing (NSE/BSE corporate announcement)."""

    symbol: Symbol
    isin: Annotated[str, Field(pattern=r"^IN[A-Z0-9]{10}$")] | None = None
    category: Annotated[str, Field(min_length=1, max_length=100)]


@register
class BarClosed(Payload):
    """A completed OHLCV bar for one symbol; `start`/`end` bound the interval."""

    symbol: Symbol
    start: AwareDatetime
    end: AwareDatetime
    open: Price
    high: Price
    low: Price
    close: Price
    volume: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _consistent(self) -> BarClosed:
        if not self.low <= min(self.open, self.close) <= max(self.open, self.close) <= self.high:
            raise ValueError("bar prices inconsistent: need low <= open, close <= high")
        if self.end <= self.start:
            raise ValueError("bar end must be after its start")
        return self


@register
class InputRejected(Payload):
    """Input that could not become an event, kept with the reason and the original text."""

    source: str
    reason: str
    raw: Annotated[str, Field(max_length=100_000)]
