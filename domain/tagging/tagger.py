"""The tagger: a category from the exchange's label, text rules and precedence; symbols by name.

Order of authority, stated once: an exchange category mapped by the rules stands, unless it
is marked `text_can_override` and the text matches a category that the mapped one yields to
under a precedence rule. Otherwise the text decides: categories below the minimum score drop
out, precedence removes those that yield to another candidate, and the highest score wins.
A tie is ambiguous and is not broken by guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from domain.instruments import Instrument
from domain.tagging.result import Confidence, Evidence, NewsItem, Tagging
from domain.tagging.rules import (
    Category,
    ExchangeCategory,
    ItemKind,
    Precedence,
    SourceHint,
    TaggingRules,
)
from domain.tagging.symbols import SymbolIndex, build_index, link_symbols
from domain.tagging.text import CategoryScore, CompiledRule, compile_rule, score_text

_ORDER = {category: rank for rank, category in enumerate(Category)}


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class _Decision:
    category: Category
    confidence: Confidence
    evidence: tuple[Evidence, ...] = ()
    ambiguity: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tagger:
    """Rules compiled against an instrument master; `tag` is pure and deterministic."""

    rules: TaggingRules
    text_rules: tuple[CompiledRule, ...]
    symbols: SymbolIndex
    exchange: Mapping[str, ExchangeCategory]
    hints: Mapping[str, SourceHint]
    yields: Mapping[tuple[Category, Category], Precedence]

    def tag(self, item: NewsItem) -> Tagging:
        """Category, symbols, confidence and the evidence for them, under these rules."""
        thresholds = self.rules.thresholds
        scores = score_text(self.text_rules, item.headline, item.body, thresholds.headline_bonus)
        hint = self.hints.get(_label(item.source_category or "")) if (
            item.kind is ItemKind.NEWS) else None
        if hint is not None:
            score = scores.get(hint.category, CategoryScore(hint.category, Decimal(0), ()))
            scores[hint.category] = score.plus(hint.weight, Evidence(
                "source-hint", item.source_category or "", "category",
                f"+{hint.weight} {hint.category}"))
        decision = self._decide(item, {c: s.points for c, s in scores.items()})
        trusted = item.kind in self.rules.symbols.trusted_source_kinds
        links = link_symbols(self.symbols, item, trusted)
        ranked = sorted(scores.values(), key=lambda s: _ORDER[s.category])
        ambiguity = decision.ambiguity + links.ambiguity
        return Tagging(
            category=decision.category,
            symbols=links.symbols,
            confidence=decision.confidence,
            evidence=(*decision.evidence, *(e for s in ranked for e in s.evidence),
                      *links.evidence),
            ambiguous=bool(ambiguity),
            ambiguity=ambiguity,
            rules_version=self.rules.version,
            scores=tuple((s.category, s.points) for s in ranked),
        )

    def _decide(self, item: NewsItem, points: Mapping[Category, Decimal]) -> _Decision:
        candidates = {c: p for c, p in points.items() if p >= self.rules.thresholds.min_score}
        preface: tuple[Evidence, ...] = ()
        if item.kind is ItemKind.ANNOUNCEMENT and item.source_category:
            mapped = self.exchange.get(_label(item.source_category))
            if mapped is not None:
                return self._from_exchange(item.source_category, mapped, candidates)
            preface = (Evidence("exchange-category", item.source_category, "category",
                                "no rule for this label; the text decides"),)
        if not candidates:
            return _Decision(Category.UNKNOWN, Confidence.NONE, preface)
        survivors, dropped = self._precedence(candidates)
        best = _best(survivors)
        if len(best) > 1:
            return _Decision(Category.UNKNOWN, Confidence.NONE, (*preface, *dropped),
                             (_tie(best, survivors),))
        return _Decision(best[0], self._confidence(survivors[best[0]]), (*preface, *dropped))

    def _from_exchange(self, label: str, mapped: ExchangeCategory,
                       candidates: Mapping[Category, Decimal]) -> _Decision:
        said = Evidence("exchange-category", label, "category", f"maps to {mapped.category}")
        challengers = {c: p for c, p in candidates.items()
                       if mapped.text_can_override and (mapped.category, c) in self.yields}
        if not challengers:
            return _Decision(mapped.category, Confidence.HIGH, (said,))
        survivors, dropped = self._precedence(challengers)
        best = _best(survivors)
        if len(best) > 1:
            return _Decision(mapped.category, Confidence.LOW, (said, *dropped),
                             (f"{_tie(best, survivors)}; kept the exchange's category",))
        winner = best[0]
        rule = self.yields[(mapped.category, winner)]
        overridden = Evidence(f"precedence/{rule.id}", label, "category",
                              f"{mapped.category} yields to {winner}: {rule.why}")
        return _Decision(winner, self._confidence(survivors[winner]),
                         (said, *dropped, overridden))

    def _precedence(self, candidates: Mapping[Category, Decimal],
                    ) -> tuple[dict[Category, Decimal], tuple[Evidence, ...]]:
        """Candidates left once each that yields to another candidate is removed."""
        survivors: dict[Category, Decimal] = {}
        dropped: list[Evidence] = []
        for category in sorted(candidates, key=_ORDER.__getitem__):
            over = [c for c in sorted(candidates, key=_ORDER.__getitem__)
                    if (category, c) in self.yields]
            if not over:
                survivors[category] = candidates[category]
            for winner in over:
                rule = self.yields[(category, winner)]
                dropped.append(Evidence(f"precedence/{rule.id}", str(category), "rules",
                                        f"{category} yields to {winner}: {rule.why}"))
        return survivors, tuple(dropped)

    def _confidence(self, points: Decimal) -> Confidence:
        high = points >= self.rules.thresholds.high_score
        return Confidence.HIGH if high else Confidence.MEDIUM


def _best(points: Mapping[Category, Decimal]) -> list[Category]:
    top = max(points.values())
    return sorted((c for c, p in points.items() if p == top), key=_ORDER.__getitem__)


def _tie(best: list[Category], points: Mapping[Category, Decimal]) -> str:
    return f"text ties at {points[best[0]]} points between {' and '.join(best)}"


def build_tagger(rules: TaggingRules, instruments: Iterable[Instrument]) -> Tagger:
    """Compile the rules once; aliases for symbols not in `instruments` are ignored."""
    yields: dict[tuple[Category, Category], Precedence] = {}
    for rule in rules.precedence:
        for winner in rule.yields_to:
            yields.setdefault((rule.category, winner), rule)
    return Tagger(
        rules=rules,
        text_rules=tuple(compile_rule(r) for r in rules.rules),
        symbols=build_index(instruments, rules.symbols),
        exchange={_label(e.label): e for e in rules.exchange_categories},
        hints={_label(h.label): h for h in rules.source_hints},
        yields=yields,
    )
