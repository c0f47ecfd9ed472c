"""Strategies as things an operator runs: versions published from the strategy file,
deployed to accounts from a desk time, paused, resumed and retired; a scheduled strategy's
entry windows opening and closing.

A version's `definition` is the strategy's own mapping from the strategy file, as canonical
JSON; the desk-wide sections of the file (meta-label, allocation, guardrails) stay the
shipped book's. The pipeline reads what runs from these events (`projections.strategies`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

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
    """No new signals from the next event on, for `accounts` (empty: every account); open
    positions keep their exits."""

    strategy: str
    reason: Reason
    paused_by: str
    accounts: tuple[str, ...] = ()


@register
class StrategyResumed(Payload):
    """Signals again from the next event on, for `accounts` (empty: every paused one)."""

    strategy: str
    reason: Reason
    resumed_by: str
    accounts: tuple[str, ...] = ()


@register
class StrategyRetired(Payload):
    """The strategy runs for no account from here on, or (`accounts`) for none of those
    (a later deployment to them, or to every account, brings it back)."""

    strategy: str
    reason: Reason
    retired_by: str
    accounts: tuple[str, ...] = ()


@register
class StrategyWindowOpened(Payload):
    """A strategy's entry window opened on `day` at `at` (its IST start), seen on the first
    bar at or after it (`evidence`): desk time, so a replay records the same."""

    strategy: str
    window: str  # "09:20-11:00" (IST)
    day: date
    at: AwareDatetime
    evidence: tuple[UUID, ...]  # the bar that saw it


@register
class StrategyWindowClosed(Payload):
    """A strategy's entry window closed on `day` at `at` (its IST end): no signal of the
    strategy from a bar at or after it until a window opens again."""

    strategy: str
    window: str
    day: date
    at: AwareDatetime
    evidence: tuple[UUID, ...]  # the bar that saw it
