"""The daily cycle: each scheduled job's run, once per desk day, and the EOD report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from domain.events.envelope import Payload, register
from domain.money import Money


@register
class JobCompleted(Payload):
    """A scheduled job ran for `day`; its stream exists once per (job, day)."""

    job: str
    day: date
    outcome: str


class AccountDay(BaseModel):
    """One account's figures at the end of a day (part of the EOD report, not an event)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str
    name: str
    available: Money
    reserved: Money
    deployed: Money
    buffer: Money
    deposits: Money
    realised_pnl: Money
    costs: Money
    open_positions: Annotated[int, Field(ge=0)]
    cards_proposed: Annotated[int, Field(ge=0)]
    cards_approved: Annotated[int, Field(ge=0)]
    orders: Annotated[int, Field(ge=0)]
    halted: bool


@register
class DailyReportPublished(Payload):
    """The end-of-day report: per account cash, P&L and activity, as the log knew it."""

    day: date
    as_of_position: Annotated[int, Field(ge=0)]
    accounts: tuple[AccountDay, ...]
