"""What the API answers about the judge: a card's review, and the prompt registry table.

Kept apart from `api.schemas` (which imports `Review` for the card detail); the models use
the same conventions: decimals as strings, times in IST.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from projections.prompt_table import VersionFigures
from projections.reviews import PromptVersionRow, ReviewRow


class _Resource(BaseModel):
    model_config = ConfigDict(frozen=True)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


class Review(_Resource):
    """A card's review: `pending`, `reviewed` (verdict, thesis, risks...) or `failed`
    (with the reason); advisory, it never changes the card."""

    status: str
    reviewer: str
    verdict: str | None
    confidence: str | None
    thesis: str
    risks: list[str]
    invalidation: str
    model_requested: str
    model_returned: str
    prompt_name: str
    prompt_version: int
    prompt_sha256: str
    failure_reason: str | None
    failure_detail: str | None
    latency_ms: str
    tokens_in: int
    tokens_out: int
    retries: int


def review(row: ReviewRow) -> Review:
    """The API's picture of one review row."""
    return Review(
        status=row.status, reviewer=row.reviewer, verdict=row.verdict or None,
        confidence=_s(row.confidence), thesis=row.thesis, risks=list(row.risks),
        invalidation=row.invalidation, model_requested=row.model_requested,
        model_returned=row.model_returned, prompt_name=row.prompt_name,
        prompt_version=row.prompt_version, prompt_sha256=row.prompt_sha256,
        failure_reason=row.reason or None, failure_detail=row.detail or None,
        latency_ms=format(row.latency_ms, "f"), tokens_in=row.tokens_in,
        tokens_out=row.tokens_out, retries=row.retries,
    )


class VerdictOutcomeFigures(_Resource):
    trades: int
    hit_rate: str | None
    mean_r: str | None
    pnl: str


class PromptVersionFigures(_Resource):
    """One prompt version's row: usage, failures, latency, tokens, cost, agreement with
    human decisions, and the realised outcome of traded cards by verdict."""

    name: str
    version: int
    label: str
    sha256: str
    reviews: int
    failures: int
    pending: int
    latency_ms_p50: str | None
    latency_ms_p95: str | None
    tokens_in: int
    tokens_out: int
    cost: str
    agreement: str | None
    compared_with_humans: int
    verdicts: dict[str, int]
    outcomes: dict[str, VerdictOutcomeFigures]


class PromptTable(_Resource):
    prompts: list[PromptVersionFigures]


class PromptText(_Resource):
    """One published version's exact text."""

    name: str
    version: int
    label: str
    sha256: str
    candidate_share: str
    notes: str
    system: str
    user_template: str
    figures: PromptVersionFigures | None


def figures(row: VersionFigures) -> PromptVersionFigures:
    """The API's picture of one table row."""
    return PromptVersionFigures(
        name=row.name, version=row.version, label=row.label, sha256=row.sha256,
        reviews=row.reviews, failures=row.failures, pending=row.pending,
        latency_ms_p50=_s(row.latency_p50), latency_ms_p95=_s(row.latency_p95),
        tokens_in=row.tokens_in, tokens_out=row.tokens_out, cost=format(row.cost, "f"),
        agreement=_s(row.agreement), compared_with_humans=row.compared,
        verdicts=dict(sorted(row.verdicts.items())),
        outcomes={v: VerdictOutcomeFigures(trades=o.trades, hit_rate=_s(o.hit_rate),
                                           mean_r=_s(o.mean_r), pnl=format(o.pnl, "f"))
                  for v, o in sorted(row.outcomes.items())},
    )


def prompt_text(name: str, v: PromptVersionRow,
                row: VersionFigures | None) -> PromptText:
    return PromptText(name=name, version=v.version, label=v.label, sha256=v.sha256,
                      candidate_share=format(v.candidate_share, "f"), notes=v.notes,
                      system=v.system, user_template=v.user_template,
                      figures=figures(row) if row else None)
