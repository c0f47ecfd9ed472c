"""Funding plans: how an account's capital arrives after the opening deposit.

A plan is a frozen value: a SIP (amount, day of month, count) and tranches released on a
date or when a reference index falls a given % from its high since the plan was set. Each
installment has an identity, plan id plus kind and sequence number (`plan/sip-3`), which is
the reference its `CashDeposited` carries, so crediting one twice is impossible.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.ids import installment_reference
from domain.money import HUNDRED, ZERO, PositiveMoney
from domain.values import Percent, Symbol


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sip(_Frozen):
    """`count` monthly installments of `amount`, each on `day_of_month` (month end if short)."""

    amount: PositiveMoney
    day_of_month: Annotated[int, Field(ge=1, le=31)]
    count: Annotated[int, Field(ge=1, le=600)]


class OnDate(_Frozen):
    kind: Literal["date"] = "date"
    on: date


class OnDrawdown(_Frozen):
    """Released when `index` closes `drawdown_pct`% or more below its high since the plan."""

    kind: Literal["drawdown"] = "drawdown"
    index: Symbol
    drawdown_pct: Annotated[Percent, Field(gt=0, lt=100)]


class Tranche(_Frozen):
    amount: PositiveMoney
    release: Annotated[OnDate | OnDrawdown, Field(discriminator="kind")]


class FundingTerms(_Frozen):
    """A plan's terms before it has an id and a start date (what the intake reads)."""

    sip: Sip | None = None
    tranches: tuple[Tranche, ...] = ()
    stated: str = ""  # the operator's own words

    @property
    def empty(self) -> bool:
        return self.sip is None and not self.tranches


class FundingPlan(FundingTerms):
    plan_id: Annotated[str, Field(min_length=1, max_length=120)]
    starts_on: date  # SIP installments fall on or after this day

    @property
    def indices(self) -> tuple[str, ...]:
        """The reference indices the plan's drawdown tranches watch."""
        return tuple(sorted({t.release.index for t in self.tranches
                             if isinstance(t.release, OnDrawdown)}))


@dataclass(frozen=True)
class Installment:
    """One credit a plan makes: identified by plan, kind and sequence number."""

    plan_id: str
    kind: Literal["sip", "tranche"]
    sequence: int  # from 1, per kind
    amount: Decimal
    due_on: date | None  # None: released by an index drawdown, not a date

    @property
    def reference(self) -> str:
        return installment_reference(self.plan_id, self.kind, self.sequence)


def sip_dates(sip: Sip, starts_on: date) -> list[date]:
    """Every SIP due date: the first on or after `starts_on`, then monthly."""
    year, month = starts_on.year, starts_on.month
    if _on_day(year, month, sip.day_of_month) < starts_on:
        year, month = _next_month(year, month)
    dates = []
    for _ in range(sip.count):
        dates.append(_on_day(year, month, sip.day_of_month))
        year, month = _next_month(year, month)
    return dates


def _on_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def schedule(plan: FundingPlan) -> list[Installment]:
    """Every installment of the plan: SIPs with their dates, then tranches in order."""
    items = []
    if plan.sip is not None:
        items += [Installment(plan.plan_id, "sip", n, plan.sip.amount, on)
                  for n, on in enumerate(sip_dates(plan.sip, plan.starts_on), start=1)]
    for n, t in enumerate(plan.tranches, start=1):
        on = t.release.on if isinstance(t.release, OnDate) else None
        items.append(Installment(plan.plan_id, "tranche", n, t.amount, on))
    return items


def due_by_date(plan: FundingPlan, today: date) -> list[Installment]:
    """Installments whose date has come (a scheduler that slept credits them all on wake)."""
    return [i for i in schedule(plan) if i.due_on is not None and i.due_on <= today]


def drawdown_of(high: Decimal, last: Decimal) -> Decimal:
    """How far `last` is below `high`, in % (0 when at or above it)."""
    if high <= ZERO or last >= high:
        return ZERO
    return (high - last) / high * HUNDRED


def drawdown_met(release: OnDrawdown, high: Decimal, last: Decimal) -> bool:
    return drawdown_of(high, last) >= release.drawdown_pct
