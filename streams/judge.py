"""Wiring the judge: which reviewer a desk uses, and reviewing what the log holds.

`auto` uses the model when one is configured (`OPENAI_BASE_URL` or `OPENAI_API_KEY`) and
the rule-based reviewer otherwise; `rules` forces the rules (replay, backtests, offline
demos); `llm` insists on the model.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

import structlog

from adapters.eventstore.store import DeskStore
from adapters.llm.config import JudgeConfig, JudgeConfigError, load_judge_config
from adapters.llm.rules import RuleReviewer
from projections.desk import DeskView
from streams.ports import Clock, Reviewer
from streams.review_worker import ReviewWorker

log = structlog.get_logger("eventdesk.judge")

REVIEW_MODES = ("auto", "llm", "rules", "off")


def build_reviewer(mode: str, config: JudgeConfig | None = None) -> Reviewer:
    """The reviewer for `mode` (auto | llm | rules)."""
    config = config or load_judge_config()
    if mode == "rules" or (mode == "auto" and not config.llm_configured):
        return RuleReviewer()
    from adapters.llm.openai_reviewer import OpenAIReviewer  # the SDK loads only when used

    return OpenAIReviewer(config)


@dataclass(frozen=True)
class ReviewRun:
    """What one pass of the worker did."""

    reviewer: str
    model: str
    reviewed: int
    failed: int


def review_pending(store: DeskStore, clock: Clock, mode: str = "auto",
                   config: JudgeConfig | None = None) -> ReviewRun:
    """Review every card the log holds that has no review yet (a blocking call, for
    commands; a server runs `ReviewWorker.run` as a task instead)."""
    config = config or load_judge_config()
    reviewer = build_reviewer(mode, config)

    async def run() -> ReviewWorker:
        worker = ReviewWorker(store, reviewer, clock, prompt_name=config.prompt_name)
        try:
            await worker.drain()
        finally:
            await reviewer.close()
        return worker

    worker = asyncio.run(run())
    return ReviewRun(reviewer.kind, reviewer.model, worker.reviewed, worker.failed)


def review_summary(view: DeskView) -> dict[str, object]:
    """The judge's day as the demo prints it: reviews by status, verdict and reviewer."""
    rows = list(view.reviews.by_card.values())
    verdicts: dict[str, int] = {}
    for r in rows:
        if r.status == "reviewed":
            verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
    return {
        "cards_reviewed": sum(r.status == "reviewed" for r in rows),
        "reviews_failed": sum(r.status == "failed" for r in rows),
        "reviews_pending": sum(r.status == "pending" for r in rows),
        "verdicts": dict(sorted(verdicts.items())),
        "reviewers": sorted({f"{r.reviewer} {r.model_requested}".strip() for r in rows}),
    }


def judge_prices() -> dict[str, tuple[Decimal, Decimal]]:
    """The price table of the judge's config (per million tokens in, out); empty when the
    config cannot be read (costs then show as 0)."""
    try:
        config = load_judge_config()
    except JudgeConfigError as e:
        log.warning("judge config unreadable; costs left at 0", error=str(e))
        return {}
    return {m: (p.input_per_million, p.output_per_million) for m, p in config.prices.items()}
