"""The judge's read model: each card's review (pending, verdict or failure), each prompt's
versions, and the realised outcome of reviewed cards that traded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.events import (
    CardReviewed,
    CardReviewFailed,
    CardReviewRequested,
    Envelope,
    PositionClosed,
    PromptPromoted,
    PromptVersionPublished,
)

if TYPE_CHECKING:
    from projections.desk import DeskView


@dataclass
class ReviewRow:
    """One card's review as the console shows it."""

    card_id: str
    reviewer: str
    prompt_name: str
    prompt_version: int
    model_requested: str
    requested_at: datetime
    status: str = "pending"  # pending | reviewed | failed
    verdict: str = ""
    confidence: Decimal | None = None
    thesis: str = ""
    risks: tuple[str, ...] = ()
    invalidation: str = ""
    model_returned: str = ""
    prompt_sha256: str = ""
    reason: str = ""  # the failure's reason, and its detail
    detail: str = ""
    latency_ms: Decimal = Decimal(0)
    tokens_in: int = 0
    tokens_out: int = 0
    retries: int = 0


@dataclass
class PromptVersionRow:
    version: int
    label: str  # production | candidate | retired
    sha256: str
    published_at: datetime
    system: str
    user_template: str
    candidate_share: Decimal
    notes: str


@dataclass
class PromptRow:
    name: str
    versions: dict[int, PromptVersionRow] = field(default_factory=dict)


@dataclass
class Outcome:
    """A traded card's realised result: P&L after costs, and in R (risk at the stop)."""

    pnl: Decimal
    r: Decimal | None


@dataclass
class Reviews:
    by_card: dict[str, ReviewRow] = field(default_factory=dict)
    prompts: dict[str, PromptRow] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # card id -> result


def apply_reviews(view: DeskView, event: Envelope) -> None:
    """Fold one event into the judge's read model."""
    reviews, payload = view.reviews, event.payload
    match payload:
        case CardReviewRequested():
            reviews.by_card[payload.card_id] = ReviewRow(
                payload.card_id,
                payload.reviewer,
                payload.prompt_name,
                payload.prompt_version,
                payload.model_requested,
                event.occurred_at,
            )
        case CardReviewed():
            row = reviews.by_card.get(payload.card_id)
            if row is not None:
                row.status, row.verdict, row.confidence = (
                    "reviewed",
                    payload.verdict,
                    payload.confidence,
                )
                row.thesis, row.risks, row.invalidation = (
                    payload.thesis,
                    payload.risks,
                    payload.invalidation,
                )
                _audit(row, payload)
                row.model_returned = payload.model_returned
        case CardReviewFailed():
            row = reviews.by_card.get(payload.card_id)
            if row is not None:
                row.status, row.reason, row.detail = "failed", payload.reason, payload.detail
                _audit(row, payload)
        case PromptVersionPublished():
            prompt = reviews.prompts.setdefault(payload.name, PromptRow(payload.name))
            if payload.label == "candidate":
                _relabel(prompt, "candidate", "retired")
            else:
                _relabel(prompt, "production", "retired")
            prompt.versions[payload.version] = PromptVersionRow(
                payload.version,
                payload.label,
                payload.sha256,
                event.occurred_at,
                payload.system,
                payload.user_template,
                payload.candidate_share,
                payload.notes,
            )
        case PromptPromoted():
            prompt = reviews.prompts.setdefault(payload.name, PromptRow(payload.name))
            _relabel(prompt, "production", "retired")
            if payload.version in prompt.versions:
                prompt.versions[payload.version].label = "production"
        case PositionClosed():
            order = view.orders.by_id.get(payload.order_id)
            card = view.cards.get(order.card_id) if order else None
            if card is not None:
                # A plain entry has no stop: no risk unit, so no result in R.
                at_risk = abs(payload.entry_price - card.stop) * payload.quantity \
                    if card.stop is not None else Decimal(0)
                reviews.outcomes[card.card_id] = Outcome(
                    payload.realised_pnl,
                    (payload.realised_pnl / at_risk).quantize(Decimal("0.01")) if at_risk else None,
                )
        case _:
            pass


def _audit(row: ReviewRow, payload: CardReviewed | CardReviewFailed) -> None:
    row.prompt_sha256 = payload.prompt_sha256
    row.latency_ms, row.retries = payload.latency_ms, payload.retries
    row.tokens_in, row.tokens_out = payload.tokens_in, payload.tokens_out


def _relabel(prompt: PromptRow, label: str, to: str) -> None:
    for version in prompt.versions.values():
        if version.label == label:
            version.label = to
