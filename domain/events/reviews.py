"""The judge: reviews of proposed cards, and the prompt versions that asked for them.

A review is advisory: it never changes a card's size, prices or guardrails. Each outcome
names what produced it (the model, or the rule-based reviewer) and the exact prompt text
by hash, so a reader of the log can tell which prompt said what.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from domain.events.envelope import Payload, register

Verdict = Literal["support", "caution", "oppose"]
ReviewerKind = Literal["llm", "rule-based"]
FailureReason = Literal["timeout", "refusal", "invalid_output", "rate_limit", "error"]
PromptLabel = Literal["production", "candidate"]


@register
class CardReviewRequested(Payload):
    """A card was handed to the reviewer, with the prompt version chosen for it."""

    card_id: str
    account_id: str
    reviewer: ReviewerKind
    prompt_name: str
    prompt_version: int
    model_requested: str = ""


@register
class CardReviewed(Payload):
    """The reviewer's verdict on a card, with everything needed to audit the call."""

    card_id: str
    account_id: str
    reviewer: ReviewerKind
    verdict: Verdict
    confidence: Annotated[Decimal, Field(ge=0, le=1)]
    thesis: Annotated[str, Field(max_length=4_000)]
    risks: tuple[Annotated[str, Field(max_length=1_000)], ...]
    invalidation: Annotated[str, Field(max_length=2_000)]
    prompt_name: str
    prompt_version: int
    prompt_sha256: str
    schema_sha256: str
    model_requested: str = ""
    model_returned: str = ""
    request_id: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: Decimal = Decimal(0)
    retries: int = 0


@register
class CardReviewFailed(Payload):
    """The reviewer gave no usable verdict; the card is untouched and waits as before."""

    card_id: str
    account_id: str
    reason: FailureReason
    detail: Annotated[str, Field(max_length=1_000)]
    prompt_name: str
    prompt_version: int
    prompt_sha256: str = ""
    model_requested: str = ""
    request_id: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: Decimal = Decimal(0)
    retries: int = 0


@register
class PromptVersionPublished(Payload):
    """A new version of a named prompt; `candidate` versions get a share of the cards."""

    name: str
    version: int
    label: PromptLabel
    system: Annotated[str, Field(min_length=1, max_length=20_000)]
    user_template: Annotated[str, Field(min_length=1, max_length=20_000)]
    sha256: str  # of system + user_template, as published
    candidate_share: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.5")
    notes: str = ""


@register
class PromptPromoted(Payload):
    """A candidate version became the production one (the previous production retires)."""

    name: str
    version: int
    previous: int
