"""What one poll of a news source brought: raw items for the intake, or why it failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Polled:
    """One poll's answer: `items` (raw, not yet checked), or `error` with the document text
    it could not read; `unchanged` when the source said nothing changed (304)."""

    channel: str  # e.g. rss:Example Wire, nse:announcements; recorded as the actor
    items: list[Any] = field(default_factory=list)
    error: str = ""
    raw: str = ""
    unchanged: bool = False
