"""Tagging rules as plain values: what the rules file says, before any matching is compiled."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Category(StrEnum):
    """What a news item is about, as far as the playbooks care."""

    BUYBACK = "buyback"
    RESULTS = "results"
    DIVIDEND = "dividend"
    BOARD_MEETING = "board_meeting"
    SEBI_ORDER = "sebi_order"
    POLICY = "policy"
    OTHER = "other"  # recognised by a rule, but no playbook trades it
    UNKNOWN = "unknown"  # no rule recognised it, or the rules disagree; never a guess


class ItemKind(StrEnum):
    NEWS = "news"
    ANNOUNCEMENT = "announcement"


@dataclass(frozen=True)
class PhraseRule:
    """One concept of a category: counts once, at `weight`, if any phrase or pattern occurs.

    Phrases are case-insensitive whole words (a space matches any run of whitespace);
    patterns are regular expressions, also whole-word. With `requires`, the rule counts
    only if one of those phrases also occurs somewhere in the item.
    """

    id: str
    category: Category
    weight: Decimal
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.category is Category.UNKNOWN:
            raise ValueError(f"rule {self.id}: 'unknown' is what no rule matches, not a rule")
        if self.weight <= 0:
            raise ValueError(f"rule {self.id}: weight must be positive, got {self.weight}")
        if not (self.phrases or self.patterns):
            raise ValueError(f"rule {self.id}: needs at least one phrase or pattern")


@dataclass(frozen=True)
class ExchangeCategory:
    """An exchange's own label for a filing (NSE `desc`), mapped to a category.

    With `text_can_override`, the precedence rules for `category` apply: the text may hand
    the item to a category it yields to (an Outcome of Board Meeting approving a buyback).
    """

    label: str
    category: Category
    text_can_override: bool = False


@dataclass(frozen=True)
class SourceHint:
    """A news wire's own label (e.g. 'policy'): a nudge of `weight` points, not a mapping."""

    label: str
    category: Category
    weight: Decimal


@dataclass(frozen=True)
class Precedence:
    """`category` gives way to any of `yields_to` that the text also matches, for `why`."""

    id: str
    category: Category
    yields_to: tuple[Category, ...]
    why: str


@dataclass(frozen=True)
class Thresholds:
    min_score: Decimal  # text points a category needs to be a candidate
    high_score: Decimal  # text points for high confidence from text alone
    headline_bonus: Decimal  # added to a rule's weight when it matched in the headline


@dataclass(frozen=True)
class SymbolRules:
    """How names link to symbols: legal suffixes to strip, extra aliases, trusted sources.

    An alias listed under several symbols is ambiguous by construction and never guessed.
    """

    legal_suffixes: tuple[str, ...] = ()
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    trusted_source_kinds: tuple[ItemKind, ...] = (ItemKind.ANNOUNCEMENT,)


@dataclass(frozen=True)
class TaggingRules:
    version: str
    thresholds: Thresholds
    rules: tuple[PhraseRule, ...]
    exchange_categories: tuple[ExchangeCategory, ...] = ()
    source_hints: tuple[SourceHint, ...] = ()
    precedence: tuple[Precedence, ...] = ()
    symbols: SymbolRules = SymbolRules()
