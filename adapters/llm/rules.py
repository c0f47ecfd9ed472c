"""The rule-based reviewer: the judge when no model is configured, and what a replay or a
backtest runs by flag. Deterministic, instant, and marked `rule-based` in its events."""

from __future__ import annotations

from collections.abc import Sequence

from domain.events import CardProposed
from domain.review import PromptVersion, ReviewCall, rule_review


class RuleReviewer:
    """Reviews by `domain.review.rule_review`; the prompt is named but not used."""

    kind = "rule-based"
    model = ""

    async def review(
        self, card: CardProposed, prompt: PromptVersion, news: Sequence[str]
    ) -> ReviewCall:
        return ReviewCall(rule_review(card), prompt_sha256=prompt.sha256)

    async def close(self) -> None:
        return None
