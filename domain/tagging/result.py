"""What the tagger reads (a news item) and what it returns (a tagging with its evidence)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from domain.events import AnnouncementArrived, NewsArrived, NewsTagged
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


def news_tagged(source_event: UUID, item: NewsArrived | AnnouncementArrived,
                tagging: Tagging) -> NewsTagged:
    """The event recording `tagging` of `item` (logged as `source_event`), with its reasons;
    a board meeting on results marks the symbol's results as due."""
    reasons = tuple(str(e) for e in tagging.evidence) + tagging.ambiguity
    text = f"{item.headline} {item.body}".lower()
    results_due = tagging.category is Category.BOARD_MEETING and "result" in text
    if results_due:
        reasons = (f"board meeting on results: '{item.headline}'", *reasons)
    return NewsTagged(
        source_event=source_event, category=tagging.category.value, symbols=tagging.symbols,
        confidence=tagging.confidence.value, ambiguous=tagging.ambiguous,
        reasons=reasons or ("no rule matched",), rules_version=tagging.rules_version,
        results_due=results_due,
    )
