"""The intake conversation: eight questions that become an account's first mandate.

A pure state machine with no I/O and no clock. `start` opens a session and asks the first
question; `answer` reads one answer and replies with the next question, the same question
again with the reason, or the summary awaiting confirmation; `confirm` turns a finished
session into what `Account.open`, `Account.set_mandate` and `Account.deposit` need. An
empty answer skips a question: its default is used and the assumption is stated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from domain.aggregates.base import DomainError
from domain.funding import FundingPlan, FundingTerms
from domain.ids import first_plan_id
from domain.intake.funding_terms import describe
from domain.intake.parsers import Invalid, format_inr
from domain.intake.questions import (
    GOAL_LABELS,
    HORIZON_LABELS,
    QUESTION_KEYS,
    QUESTIONS,
    Draft,
    Question,
)
from domain.values import Mandate

T = TypeVar("T")
__all__ = [
    "ACCOUNT_ID", "INITIAL_DEPOSIT", "QUESTIONS", "QUESTION_KEYS", "IntakeError", "Opening",
    "Question", "Reply", "Session", "Step", "answer", "answer_all", "confirm", "reply_for",
    "start", "summary",
]
ACCOUNT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
INITIAL_DEPOSIT = "initial-deposit"  # the opening deposit's reference: credited once


class IntakeError(DomainError):
    """The conversation cannot go on as asked: a bad id or name, or a step out of order."""


class Step(StrEnum):
    ASK = "ask"  # the next question
    REASK = "reask"  # the same question again: the answer was not usable, see `reason`
    CONFIRM = "confirm"  # every question answered: the summary awaits confirmation


@dataclass(frozen=True)
class Reply:
    """What the conversation says next."""

    step: Step
    question: Question | None = None
    number: int = 0  # the question's place, from 1; 0 at the summary
    reason: str = ""
    assumed: tuple[str, ...] = ()  # assumptions made for the answer just taken
    summary: tuple[str, ...] = ()


@dataclass(frozen=True)
class Session:
    """One intake conversation: who it is for and what has been answered so far."""

    account_id: str
    name: str
    known_sectors: tuple[str, ...]
    draft: Draft = field(default_factory=Draft)
    position: int = 0  # index of the question awaiting an answer
    assumptions: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.position >= len(QUESTIONS)


@dataclass(frozen=True)
class Opening:
    """A confirmed intake: the account to open, its first mandate, its opening deposit and
    the funding terms for the rest."""

    account_id: str
    name: str
    mandate: Mandate
    deposit: Decimal
    funding_plan: str
    assumptions: tuple[str, ...]
    funding: FundingTerms = field(default_factory=FundingTerms)

    @property
    def reason(self) -> str:
        """Why the first mandate says what it says, as `MandateSet.reason` records it."""
        parts = ["opened by the intake conversation"]
        if self.assumptions:
            parts.append("assumed: " + "; ".join(self.assumptions))
        if self.funding_plan:
            parts.append(f"funding plan as stated: {self.funding_plan}")
        return "; ".join(parts)

    def plan(self, starts_on: date) -> FundingPlan | None:
        """The funding plan to record, starting `starts_on` (None: lump sum only)."""
        if self.funding.empty:
            return None
        return FundingPlan(plan_id=first_plan_id(self.account_id), starts_on=starts_on,
                           **self.funding.model_dump())


def start(account_id: str, name: str, known_sectors: tuple[str, ...]) -> tuple[Session, Reply]:
    """A new conversation for account `account_id` named `name`, asking the first question."""
    if not ACCOUNT_ID.fullmatch(account_id):
        raise IntakeError(f"account id {account_id!r} must be 1-64 letters, digits, '-' or "
                          "'_', starting with a letter or digit")
    if not 1 <= len(name.strip()) <= 200:
        raise IntakeError("account name must be 1-200 characters")
    session = Session(account_id, name.strip(), tuple(known_sectors))
    return session, reply_for(session)


def reply_for(session: Session) -> Reply:
    """The question awaiting an answer, or the summary when every question is answered."""
    if session.complete:
        return Reply(Step.CONFIRM, summary=summary(session))
    return Reply(Step.ASK, QUESTIONS[session.position], session.position + 1)


def answer(session: Session, text: str) -> tuple[Session, Reply]:
    """Take `text` as the answer to the waiting question; an empty answer skips it."""
    if session.complete:
        raise IntakeError("every question is answered: confirm the summary or start again")
    question = QUESTIONS[session.position]
    text = text.strip()
    if text:
        taken = question.read(text, session.draft, session.known_sectors)
    else:
        taken = question.default(session.draft)
    if isinstance(taken, Invalid):
        return session, Reply(Step.REASK, question, session.position + 1, taken.reason)
    session = replace(session, draft=taken.draft, position=session.position + 1,
                      assumptions=session.assumptions + taken.assumed)
    return session, replace(reply_for(session), assumed=taken.assumed)


def answer_all(session: Session, answers: Mapping[str, str]) -> tuple[Session, Reply]:
    """Answer every remaining question from `answers` (by key; a missing key is skipped).

    Stops at the first unusable answer with its re-ask, else ends at the summary.
    """
    unknown = sorted(set(answers) - set(QUESTION_KEYS))
    if unknown:
        raise IntakeError(f"unknown question {', '.join(map(repr, unknown))}; the questions "
                          f"are {', '.join(QUESTION_KEYS)}")
    reply = reply_for(session)
    while reply.step is not Step.CONFIRM:
        assert reply.question is not None
        session, reply = answer(session, answers.get(reply.question.key, ""))
        if reply.step is Step.REASK:
            break
    return session, reply


def confirm(session: Session) -> Opening:
    """The opening a finished conversation describes (nothing is stored here)."""
    if not session.complete:
        raise IntakeError(f"question {session.position + 1} of {len(QUESTIONS)} is still "
                          "unanswered")
    d = session.draft
    mandate = Mandate(
        objective=_taken(d.objective), horizon=_taken(d.horizon),
        risk_per_trade_pct=_taken(d.risk_per_trade_pct),
        max_position_pct=_taken(d.max_position_pct),
        daily_loss_limit=_taken(d.daily_loss_limit),
        max_drawdown_pct=_taken(d.max_drawdown_pct), cash_buffer_pct=_taken(d.cash_buffer_pct),
        sectors_allowed=d.sectors_allowed, sectors_banned=d.sectors_banned,
        auto_approve=_taken(d.auto_approve),
    )
    return Opening(session.account_id, session.name, mandate, _taken(d.capital),
                   d.funding_plan, session.assumptions, d.funding)


def _taken(value: T | None) -> T:
    assert value is not None, "a complete session answered every question"
    return value


def summary(session: Session) -> tuple[str, ...]:
    """The finished mandate in words, one line per answer, then the assumptions made."""
    opening = confirm(session)
    m, capital = opening.mandate, opening.deposit
    lines = [
        f"Account: {opening.name} [{opening.account_id}]",
        f"Goal: {GOAL_LABELS[m.objective]}",
        f"Capital: {format_inr(capital)} deposited now",
    ]
    if opening.funding_plan:
        lines.append(f"Funding plan: {describe(opening.funding)}; each installment is "
                     f"credited once, on schedule (stated: {opening.funding_plan!r})")
    lines += [
        f"Risk: {m.risk_per_trade_pct}% of equity per trade "
        f"({format_inr(capital * m.risk_per_trade_pct / 100)} now), positions up to "
        f"{m.max_position_pct}% of equity",
        f"Loss limits: {format_inr(m.daily_loss_limit)} a day; {m.max_drawdown_pct}% overall "
        "drawdown from the peak",
        f"Horizon: {HORIZON_LABELS[m.horizon]}",
        f"Sectors: {_sectors(m)}",
        f"Cash buffer: {m.cash_buffer_pct}% of equity "
        f"({format_inr(capital * m.cash_buffer_pct / 100)} now), never allocated",
        "Approval: " + ("auto: cards within the mandate are approved automatically"
                        if m.auto_approve else "manual: an operator approves every card"),
    ]
    lines += [f"Assumed: {a}" for a in opening.assumptions]
    return tuple(lines)


def _sectors(m: Mandate) -> str:
    parts = []
    if m.sectors_allowed:
        parts.append("only " + ", ".join(m.sectors_allowed))
    if m.sectors_banned:
        parts.append("never " + ", ".join(m.sectors_banned))
    return "; ".join(parts) or "any known sector"
