"""The tagging rules file (YAML) read into the plain values `domain.tagging` consumes.

Everything an operator can get wrong is checked here, and the error names the field:
`categories.buyback.0.weight: Input should be a valid decimal`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from adapters.files.yaml_file import parse_yaml
from domain.tagging import (
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
from domain.values import Symbol

RULES_PATH = Path(__file__).resolve().parents[2] / "data" / "playbooks" / "tagging.yaml"

Name = Annotated[str, Field(min_length=1, max_length=200)]
RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Points = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


class TaggingRulesError(ValueError):
    """The rules file cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rule(_Strict):
    id: RuleId
    weight: Points
    phrases: tuple[Name, ...] = ()
    patterns: tuple[Name, ...] = ()
    requires: tuple[Name, ...] = ()

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"not a regular expression: {pattern!r} ({e})") from None
        return patterns

    @model_validator(mode="after")
    def _matches_something(self) -> _Rule:
        if not (self.phrases or self.patterns):
            raise ValueError("a rule needs at least one phrase or pattern")
        return self


class _Thresholds(_Strict):
    min_score: Points
    high_score: Points
    headline_bonus: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)] = Decimal(0)

    @model_validator(mode="after")
    def _ordered(self) -> _Thresholds:
        if self.high_score < self.min_score:
            raise ValueError("high_score must be at least min_score")
        return self


class _Exchange(_Strict):
    category: Category
    text_can_override: bool = False


class _Hint(_Strict):
    category: Category
    weight: Points


class _Precedence(_Strict):
    id: RuleId
    category: Category
    yields_to: Annotated[tuple[Category, ...], Field(min_length=1)]
    why: Name


class _Symbols(_Strict):
    legal_suffixes: tuple[Name, ...] = ()
    trusted_source_kinds: tuple[ItemKind, ...] = (ItemKind.ANNOUNCEMENT,)
    aliases: dict[Symbol, tuple[Name, ...]] = {}


class _RulesFile(_Strict):
    version: Name
    thresholds: _Thresholds
    categories: dict[Category, tuple[_Rule, ...]]
    exchange_categories: dict[Name, _Exchange] = {}
    source_hints: dict[Name, _Hint] = {}
    precedence: tuple[_Precedence, ...] = ()
    symbols: _Symbols = _Symbols()

    @model_validator(mode="after")
    def _consistent(self) -> _RulesFile:
        if Category.UNKNOWN in self.categories:
            raise ValueError("categories.unknown: 'unknown' is what no rule matches; "
                             "it cannot have rules")
        ids = [rule.id for rules in self.categories.values() for rule in rules]
        if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"categories: rule ids must be unique, repeated: {duplicates}")
        for label, mapped in self.exchange_categories.items():
            if mapped.category is Category.UNKNOWN:
                raise ValueError(f"exchange_categories.{label}: cannot map to 'unknown'")
        _check_precedence(self.precedence)
        return self


def _check_precedence(rules: tuple[_Precedence, ...]) -> None:
    """Precedence must be a partial order, or a set of candidates could all give way."""
    beats: dict[Category, set[Category]] = {}
    for i, rule in enumerate(rules):
        if rule.category in rule.yields_to or Category.UNKNOWN in (rule.category,
                                                                   *rule.yields_to):
            raise ValueError(f"precedence.{i}.yields_to: {rule.category} cannot yield to "
                             "itself, and 'unknown' takes no part in precedence")
        beats.setdefault(rule.category, set()).update(rule.yields_to)

    def reaches(start: Category, goal: Category, seen: frozenset[Category]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
                   for nxt in beats.get(start, ()))

    for i, rule in enumerate(rules):
        if reaches(rule.category, rule.category, frozenset({rule.category})):
            raise ValueError(f"precedence.{i}: {rule.category} yields to itself through "
                             "other rules (a cycle)")


def parse_tagging_rules(text: str, source: str = "<text>") -> TaggingRules:
    """Tagging rules from YAML text; `source` names it in errors."""
    return _to_domain(parse_yaml(text, source, _RulesFile, TaggingRulesError))


def load_tagging_rules(path: Path = RULES_PATH) -> TaggingRules:
    """Tagging rules from a YAML file (by default data/playbooks/tagging.yaml)."""
    return parse_tagging_rules(path.read_text(encoding="utf-8"), str(path))


def _to_domain(parsed: _RulesFile) -> TaggingRules:
    t = parsed.thresholds
    return TaggingRules(
        version=parsed.version,
        thresholds=Thresholds(t.min_score, t.high_score, t.headline_bonus),
        rules=tuple(
            PhraseRule(r.id, category, r.weight, r.phrases, r.patterns, r.requires)
            for category, rules in parsed.categories.items() for r in rules
        ),
        exchange_categories=tuple(ExchangeCategory(label, e.category, e.text_can_override)
                                  for label, e in parsed.exchange_categories.items()),
        source_hints=tuple(SourceHint(label, h.category, h.weight)
                           for label, h in parsed.source_hints.items()),
        precedence=tuple(Precedence(p.id, p.category, p.yields_to, p.why)
                         for p in parsed.precedence),
        symbols=SymbolRules(
            legal_suffixes=parsed.symbols.legal_suffixes,
            aliases=tuple(parsed.symbols.aliases.items()),
            trusted_source_kinds=parsed.symbols.trusted_source_kinds,
        ),
    )
