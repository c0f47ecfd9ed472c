"""Approval policies per mandate: who decides a proposed card when no human has.

A policy is data on the mandate. `manual` decides nothing (an operator approves every
card). `auto` approves a card when every configured check passes (size, strategy list,
the judge's verdict, a time-of-day window in IST), auto-rejects it when a reject rule fires,
waits when only the judge has still to answer, and otherwise leaves it for a human.
`decide` is pure: it sees the card's facts at the desk time of the event that caused the
decision, never the wall clock, so a replay decides the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.money import HUNDRED, PositiveMoney
from domain.session import IST

JudgeVerdict = Literal["support", "caution", "oppose"]  # as `CardReviewed.verdict`
PolicyName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]{0,39}$")]

MANUAL_NAME = "manual"
AUTO_NAME = "auto-within-mandate"


class ApprovalMode(StrEnum):
    MANUAL = "manual"
    AUTO = "auto"


class ApprovalPolicy(BaseModel):
    """How an account's cards are decided without a human; empty limits are not checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: PolicyName
    mode: ApprovalMode
    max_notional: PositiveMoney | None = None  # ₹ per card
    max_notional_pct: Annotated[Decimal, Field(gt=0, le=100)] | None = None  # of equity
    max_quantity: Annotated[int, Field(gt=0)] | None = None
    strategies: tuple[str, ...] = ()  # empty: any strategy
    approve_verdicts: tuple[JudgeVerdict, ...] = ()  # empty: the judge is not awaited
    window_start: time | None = None  # IST, inclusive
    window_end: time | None = None  # IST, exclusive
    reject_verdicts: tuple[JudgeVerdict, ...] = ()
    reject_above_notional: PositiveMoney | None = None
    reject_outside_window: bool = False

    @model_validator(mode="after")
    def _window_whole(self) -> ApprovalPolicy:
        if (self.window_start is None) != (self.window_end is None):
            raise ValueError("a time window needs both window_start and window_end")
        if self.reject_outside_window and self.window_start is None:
            raise ValueError("reject_outside_window needs a time window")
        if (
            self.window_start is not None
            and self.window_end is not None
            and self.window_start >= self.window_end
        ):
            raise ValueError("window_start must be before window_end (IST, same day)")
        return self


MANUAL = ApprovalPolicy(name=MANUAL_NAME, mode=ApprovalMode.MANUAL)


def auto_within(max_position_pct: Decimal) -> ApprovalPolicy:
    """The intake's "auto" answer: approve what the mandate's own position cap admits,
    auto-reject what the judge opposes, and leave the rest for a human."""
    return ApprovalPolicy(
        name=AUTO_NAME,
        mode=ApprovalMode.AUTO,
        max_notional_pct=max_position_pct,
        reject_verdicts=("oppose",),
    )


ReviewStatus = Literal["none", "pending", "reviewed", "failed"]


@dataclass(frozen=True)
class PolicyFacts:
    """What a policy sees of one waiting card, at the desk time of the deciding event."""

    strategy: str
    quantity: int
    notional: Decimal
    equity: Decimal
    review: ReviewStatus
    verdict: str  # the judge's verdict when `review` is "reviewed", else ""
    at: datetime  # desk time (tz-aware)


class Outcome(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    WAIT = "wait"  # only the judge's verdict is missing: decide again on `CardReviewed`
    LEAVE = "leave"  # no rule decides: the card stays for a human


@dataclass(frozen=True)
class PolicyCheck:
    """One check a policy ran on a card: its name, result and the numbers behind it."""

    name: str
    passed: bool
    detail: str
    waiting: bool = False


@dataclass(frozen=True)
class PolicyDecision:
    outcome: Outcome
    checks: tuple[PolicyCheck, ...]
    reason: str


def in_window(policy: ApprovalPolicy, at: datetime) -> bool | None:
    """Whether desk time `at` falls in the policy's IST window (None: no window set)."""
    if policy.window_start is None or policy.window_end is None:
        return None
    now = at.astimezone(IST).time()
    return policy.window_start <= now < policy.window_end


def _window_words(p: ApprovalPolicy) -> str:
    return f"{p.window_start:%H:%M}-{p.window_end:%H:%M} IST"


def _notional(p: ApprovalPolicy, f: PolicyFacts) -> PolicyCheck | None:
    if p.max_notional is None:
        return None
    return PolicyCheck(
        "max_notional",
        f.notional <= p.max_notional,
        f"notional {f.notional} vs cap {p.max_notional}",
    )


def _notional_pct(p: ApprovalPolicy, f: PolicyFacts) -> PolicyCheck | None:
    if p.max_notional_pct is None:
        return None
    cap = (f.equity * p.max_notional_pct / HUNDRED).quantize(Decimal("0.01"))
    return PolicyCheck(
        "max_notional_pct",
        f.notional <= cap,
        f"notional {f.notional} vs {p.max_notional_pct}% of equity {cap}",
    )


def _quantity(p: ApprovalPolicy, f: PolicyFacts) -> PolicyCheck | None:
    if p.max_quantity is None:
        return None
    return PolicyCheck(
        "max_quantity",
        f.quantity <= p.max_quantity,
        f"quantity {f.quantity} vs cap {p.max_quantity}",
    )


def _strategy(p: ApprovalPolicy, f: PolicyFacts) -> PolicyCheck | None:
    if not p.strategies:
        return None
    return PolicyCheck(
        "strategy_allowed",
        f.strategy in p.strategies,
        f"strategy {f.strategy} vs allowed {', '.join(p.strategies)}",
    )


def _judge(p: ApprovalPolicy, f: PolicyFacts) -> PolicyCheck | None:
    if not p.approve_verdicts:
        return None
    wanted = ", ".join(p.approve_verdicts)
    if f.review in ("none", "pending"):
        return PolicyCheck(
            "judge_verdict", False, f"waiting for the judge (needs {wanted})", waiting=True
        )
    if f.review == "failed":
        return PolicyCheck("judge_verdict", False, f"the judge's review failed (needs {wanted})")
    return PolicyCheck(
        "judge_verdict",
        f.verdict in p.approve_verdicts,
        f"judge verdict {f.verdict} (needs {wanted})",
    )


def _window(p: ApprovalPolicy, f: PolicyFacts) -> PolicyCheck | None:
    inside = in_window(p, f.at)
    if inside is None:
        return None
    return PolicyCheck(
        "time_window", inside, f"{f.at.astimezone(IST):%H:%M} IST vs {_window_words(p)}"
    )


def _reject_verdict(p: ApprovalPolicy, f: PolicyFacts) -> PolicyCheck | None:
    if not p.reject_verdicts or f.review != "reviewed":
        return None
    return PolicyCheck(
        "reject_judge_verdict",
        f.verdict not in p.reject_verdicts,
        f"judge verdict {f.verdict} vs reject on {', '.join(p.reject_verdicts)}",
    )


def _reject_notional(p: ApprovalPolicy, f: PolicyFacts) -> PolicyCheck | None:
    if p.reject_above_notional is None:
        return None
    return PolicyCheck(
        "reject_above_notional",
        f.notional <= p.reject_above_notional,
        f"notional {f.notional} vs reject above {p.reject_above_notional}",
    )


def _reject_window(p: ApprovalPolicy, f: PolicyFacts) -> PolicyCheck | None:
    inside = in_window(p, f.at)
    if not p.reject_outside_window or inside is None:
        return None
    return PolicyCheck(
        "reject_outside_window", inside, f"{f.at.astimezone(IST):%H:%M} IST vs {_window_words(p)}"
    )


Rule = Callable[[ApprovalPolicy, PolicyFacts], PolicyCheck | None]

# A failing reject rule rejects the card; every approval check must pass to approve it.
REJECT_RULES: tuple[Rule, ...] = (_reject_verdict, _reject_notional, _reject_window)
APPROVAL_CHECKS: tuple[Rule, ...] = (
    _notional,
    _notional_pct,
    _quantity,
    _strategy,
    _judge,
    _window,
)


def decide(policy: ApprovalPolicy, facts: PolicyFacts) -> PolicyDecision:
    """The policy's decision on one waiting card, with every check it ran."""
    if policy.mode is ApprovalMode.MANUAL:
        return PolicyDecision(Outcome.LEAVE, (), "manual policy: an operator decides")
    rejects = tuple(c for rule in REJECT_RULES if (c := rule(policy, facts)) is not None)
    checks = tuple(c for rule in APPROVAL_CHECKS if (c := rule(policy, facts)) is not None)
    ran = (*rejects, *checks)
    fired = [c for c in rejects if not c.passed]
    if fired:
        return PolicyDecision(Outcome.REJECT, ran, "auto-rejected by policy: " + _words(fired))
    failed = [c for c in checks if not c.passed and not c.waiting]
    if failed:
        return PolicyDecision(Outcome.LEAVE, ran, "left for an operator: " + _words(failed))
    waiting = [c for c in checks if c.waiting]
    if waiting:
        return PolicyDecision(Outcome.WAIT, ran, _words(waiting))
    return PolicyDecision(Outcome.APPROVE, ran, "every policy check passed")


def _words(checks: list[PolicyCheck]) -> str:
    return "; ".join(f"{c.name}: {c.detail}" for c in checks)
