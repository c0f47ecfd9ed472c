"""News tagging: category and symbols for a news item, by rules an operator edits as data.

Deterministic and explainable: every tagging carries the rules version and the exact
phrases, labels and precedence rules behind it; unknown or ambiguous items say so.
"""

from domain.tagging.result import Confidence, Evidence, NewsItem, Tagging, news_item, news_tagged
from domain.tagging.rules import (
    Category,
    ExchangeCategory,
    ItemKind,
    PhraseRule,
    Precedence,
    SourceHint,
    SymbolRules,
    TaggingRules,
    Thresholds,
)
from domain.tagging.tagger import Tagger, build_tagger

__all__ = [
    "Category",
    "Confidence",
    "Evidence",
    "ExchangeCategory",
    "ItemKind",
    "NewsItem",
    "PhraseRule",
    "Precedence",
    "SourceHint",
    "SymbolRules",
    "Tagger",
    "Tagging",
    "TaggingRules",
    "Thresholds",
    "build_tagger",
    "news_item",
    "news_tagged",
]
