"""CardReview: one card's review, requested once and answered once (verdict or failure);
Prompt: a named prompt's versions and which one is production, which the candidate."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.events import (
    CardReviewed,
    CardReviewFailed,
    CardReviewRequested,
    PromptPromoted,
    PromptVersionPublished,
)
from domain.events.reviews import PromptLabel
from domain.ids import PROMPT_PREFIX, REVIEW_PREFIX
from domain.review import PromptVersion, published_sha256


class CardReview(Aggregate):
    stream_prefix = REVIEW_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.request: CardReviewRequested | None = None
        self.request_event_id: UUID | None = None  # known when requested in this process
        self.done = False

    def request_review(self, request: CardReviewRequested, cause: Cause) -> None:
        """Record that the card went to the reviewer (once)."""
        if self.request is None:
            self.request_event_id = self._record(request, cause).event_id

    def conclude(self, outcome: CardReviewed | CardReviewFailed, cause: Cause) -> None:
        """Record the review's outcome; a second outcome for the same request is ignored."""
        if self.request is None:
            raise DomainError(f"review {self.id} was never requested")
        if not self.done:
            self._record(outcome, cause)

    def _on_card_review_requested(self, e: CardReviewRequested) -> None:
        self.request = e

    def _on_card_reviewed(self, e: CardReviewed) -> None:
        self.done = True

    def _on_card_review_failed(self, e: CardReviewFailed) -> None:
        self.done = True


class Prompt(Aggregate):
    stream_prefix = PROMPT_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.versions: dict[int, PromptVersion] = {}
        self.production = 0
        self.candidate = 0

    @property
    def name(self) -> str:
        return self.id.removeprefix(PROMPT_PREFIX)

    def publish(
        self,
        system: str,
        user_template: str,
        label: PromptLabel,
        share: Decimal,
        notes: str,
        cause: Cause,
    ) -> int:
        """Publish the next version; the first one is always production. Returns it."""
        if "{card}" not in user_template:
            raise DomainError("the user template must contain {card}")
        if not self.versions:
            label = "production"
        version = len(self.versions) + 1
        self._record(
            PromptVersionPublished(
                name=self.name,
                version=version,
                label=label,
                system=system,
                user_template=user_template,
                sha256=published_sha256(system, user_template),
                candidate_share=share,
                notes=notes,
            ),
            cause,
        )
        return version

    def promote(self, version: int, cause: Cause) -> None:
        """Make `version` production."""
        if version not in self.versions:
            raise DomainError(f"prompt {self.name} has no version {version}")
        if version == self.production:
            raise DomainError(f"prompt {self.name} v{version} is already production")
        self._record(
            PromptPromoted(name=self.name, version=version, previous=self.production), cause
        )

    def _on_prompt_version_published(self, e: PromptVersionPublished) -> None:
        self.versions[e.version] = PromptVersion(
            e.name, e.version, e.system, e.user_template, e.label, e.candidate_share
        )
        if e.label == "production":
            self.production = e.version
        else:
            self.candidate = e.version

    def _on_prompt_promoted(self, e: PromptPromoted) -> None:
        self.production = e.version
        if self.candidate == e.version:
            self.candidate = 0
