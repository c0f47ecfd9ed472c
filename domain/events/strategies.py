"""Strategies as things an operator runs: versions published from the strategy file,
deployed to accounts from a desk time, paused, resumed and retired.

A version's `definition` is the strategy's own mapping from the strategy file, as canonical
JSON; the desk-wide sections of the file (meta-label, allocation, guardrails) stay the
shipped book's. The pipeline reads what runs from these events (`projections.strategies`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from domain.events.envelope import Payload, register

Reason = Annotated[str, Field(min_length=1, max_length=500)]


@register
class StrategyVersionPublished(Payload):
    """A validated strategy definition, under an id derived from its sha256."""

    strategy: str
    version_id: str
    sha256: str  # of `definition`
    definition: Annotated[str, Field(min_length=2, max_length=50_000)]
    label: str = ""  # the strategy file's `version` it was published from
    notes: str = ""


@register
class StrategyDeployed(Payload):
    """From `effective_from` (desk time), `version_id` runs for `accounts` (empty: every
    account, replacing every earlier deployment)."""

    strategy: str
    version_id: str
    accounts: tuple[str, ...] = ()
    effective_from: AwareDatetime
    reason: str = ""


@register
class StrategyPaused(Payload):
    """No new signals from the next event on; open positions keep their exits."""

    strategy: str
    reason: Reason
    paused_by: str


@register
class StrategyResumed(Payload):
    strategy: str
    reason: Reason
    resumed_by: str


@register
class StrategyRetired(Payload):
    """The strategy runs for no account from here on (a later deployment brings it back)."""

    strategy: str
    reason: Reason
    retired_by: str
