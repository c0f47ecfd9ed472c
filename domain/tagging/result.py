"""What the tagger reads (a news item) and what it returns (a tagging with its evidence)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.events import AnnouncementArrived, NewsArrived
from domain.tagging.rules import Category, ItemKind


class Confidence(StrEnum):
    HIGH = "high"  # the exchange's own category, or text well past the high score
    MEDIUM = "medium"  # text past the minimum score, one clear winner
    LOW = "low"  # the exchange's category kept because the text was split
    NONE = "none"  # unknown


@dataclass(frozen=True)
class NewsItem:
    """A news item or exchange filing, reduced to what tagging reads."""

    kind: ItemKind
    headline: str
    body: str = ""
    source_category: str | None = None
    source_symbols: tuple[str, ...] = ()
    isin: str | None = None


def news_item(payload: NewsArrived | AnnouncementArrived) -> NewsItem:
    """The taggable part of an arrived news item or announcement."""
    if isinstance(payload, AnnouncementArrived):
        return NewsItem(ItemKind.ANNOUNCEMENT, payload.headline, payload.body, payload.category,
                        (payload.symbol,), payload.isin)
    return NewsItem(ItemKind.NEWS, payload.headline, payload.body, payload.category,
                    payload.symbols)


@dataclass(frozen=True)
class Evidence:
    """One rule that fired: its id, the exact text it matched, where, and what it did."""

    rule: str
    matched: str
    where: str  # headline, body, category, source
    effect: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.matched!r} in {self.where} -> {self.effect}"


@dataclass(frozen=True)
class Tagging:
    """A tagged item: category, linked symbols, how sure, why, and under which rules."""

    category: Category
    symbols: tuple[str, ...]
    confidence: Confidence
    evidence: tuple[Evidence, ...]
    ambiguous: bool
    ambiguity: tuple[str, ...]  # the reasons, one per ambiguity; empty when not ambiguous
    rules_version: str
    scores: tuple[tuple[Category, Decimal], ...]  # text points per category that scored

    def __post_init__(self) -> None:
        if self.ambiguous != bool(self.ambiguity):
            raise ValueError("a tagging is ambiguous exactly when it gives a reason")
        if (self.category is Category.UNKNOWN) != (self.confidence is Confidence.NONE):
            raise ValueError("confidence is 'none' exactly when the category is unknown")
