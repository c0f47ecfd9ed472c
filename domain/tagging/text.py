"""Category scoring: which phrase rules occur in a headline and body, and their points."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.tagging.result import Evidence
from domain.tagging.rules import Category, PhraseRule

# Word characters on either side would make a match a substring ("ITC" in "Switch").
_BEFORE = r"(?<!\w)"
_AFTER = r"(?!\w)"
# One-for-one, so a match's span in the folded text is its span in the original.
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                             "\u00a0": " ", "\u2010": "-", "\u2011": "-"})


def plain(text: str) -> str:
    """Curly quotes and non-breaking spaces as their plain forms, character for character."""
    return text.translate(_TYPOGRAPHY)


def phrase_fragment(phrase: str) -> str:
    """A phrase as a regex: its words literally, any run of whitespace between them."""
    return r"\s+".join(re.escape(word) for word in plain(phrase).split())


def whole_words(fragments: Iterable[str], flags: int = 0) -> re.Pattern[str]:
    """One pattern matching any fragment as whole words, longest fragment first."""
    ordered = sorted(set(fragments), key=lambda f: (-len(f), f))
    return re.compile(f"{_BEFORE}(?:{'|'.join(ordered)}){_AFTER}", flags)


@dataclass(frozen=True)
class CompiledRule:
    rule: PhraseRule
    matcher: re.Pattern[str]
    requires: re.Pattern[str] | None
    # Lower-case words one of which any match must contain; None when a pattern could match
    # without them. A cheap substring test that skips most rules before any regex runs.
    # (Only ASCII clues are used, so lower() agrees with the regex's case-insensitivity.)
    clues: tuple[str, ...] | None

    def may_match(self, lowered: str) -> bool:
        return self.clues is None or any(clue in lowered for clue in self.clues)


def _clue(phrase: str) -> str | None:
    longest = max(plain(phrase).split(), key=len).lower()
    return longest if longest.isascii() else None


def compile_rule(rule: PhraseRule) -> CompiledRule:
    fragments = [phrase_fragment(p) for p in rule.phrases] + [f"(?:{p})" for p in rule.patterns]
    requires = (whole_words((phrase_fragment(p) for p in rule.requires), re.IGNORECASE)
                if rule.requires else None)
    clues = [_clue(p) for p in rule.phrases]
    usable = not rule.patterns and all(c is not None for c in clues)
    return CompiledRule(rule, whole_words(fragments, re.IGNORECASE), requires,
                        tuple(c for c in clues if c is not None) if usable else None)


@dataclass(frozen=True)
class CategoryScore:
    category: Category
    points: Decimal
    evidence: tuple[Evidence, ...]

    def plus(self, points: Decimal, evidence: Evidence) -> CategoryScore:
        return CategoryScore(self.category, self.points + points, (*self.evidence, evidence))


def score_text(rules: Sequence[CompiledRule], headline: str, body: str,
               headline_bonus: Decimal) -> dict[Category, CategoryScore]:
    """Points per category: each rule once, at its weight, plus the bonus if in the headline."""
    headline, body = plain(headline), plain(body)
    lowered = f"{headline}\n{body}".lower()
    scores: dict[Category, CategoryScore] = {}
    for compiled in rules:
        if not compiled.may_match(lowered):
            continue
        rule = compiled.rule
        where, match = "headline", compiled.matcher.search(headline)
        if match is None:
            where, match = "body", compiled.matcher.search(body)
        if match is None:
            continue
        if compiled.requires is not None and not (
            compiled.requires.search(headline) or compiled.requires.search(body)
        ):
            continue
        points = rule.weight + (headline_bonus if where == "headline" else 0)
        score = scores.get(rule.category, CategoryScore(rule.category, Decimal(0), ()))
        evidence = Evidence(f"{rule.category}/{rule.id}", match.group(0), where,
                            f"+{points} {rule.category}")
        scores[rule.category] = score.plus(points, evidence)
    return scores
