"""What a live market feed says about itself: the stretches of time it could not see."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, model_validator

from domain.events.envelope import Payload, register


@register
class FeedGapFlagged(Payload):
    """A live feed saw nothing between `start` and `end` (a dropped connection, a desk clock
    that jumped): bars of those minutes may be missing or thin, and a reader should know."""

    feed: Annotated[str, Field(min_length=1, max_length=100)]
    start: AwareDatetime
    end: AwareDatetime
    reason: Annotated[str, Field(min_length=1, max_length=1_000)]

    @model_validator(mode="after")
    def _ordered(self) -> FeedGapFlagged:
        if self.end <= self.start:
            raise ValueError("a gap ends after it starts")
        return self
