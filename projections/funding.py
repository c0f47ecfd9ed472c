"""Funding plans per account: the plan in force, what it has credited, and the index
levels its drawdown tranches watch (the high since the plan was set, and the last close)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.events import (
    BarClosed,
    CashDeposited,
    Envelope,
    FundingPlanSet,
    TrancheReleased,
)
from domain.funding import FundingPlan, Installment, schedule
from domain.money import ZERO

if TYPE_CHECKING:
    from projections.desk import DeskView


@dataclass
class IndexWatch:
    high: Decimal = ZERO  # the highest bar high since the plan was set
    last: Decimal = ZERO  # the last close


@dataclass
class PlanState:
    plan: FundingPlan
    set_at: datetime
    credited: set[str] = field(default_factory=set)  # installment references deposited
    released: set[int] = field(default_factory=set)  # tranche sequence numbers
    watches: dict[str, IndexWatch] = field(default_factory=dict)

    def pending(self) -> list[Installment]:
        """Installments not credited yet, in schedule order."""
        return [i for i in schedule(self.plan) if i.reference not in self.credited]


def apply_funding(view: DeskView, event: Envelope) -> None:
    """Fold one event into the funding view (`at`: the event's desk time)."""
    plans, payload, at = view.funding, event.payload, event.occurred_at
    match payload:
        case FundingPlanSet():
            plan = payload.plan
            plans[payload.account_id] = PlanState(
                plan, at, watches={i: IndexWatch() for i in plan.indices})
        case CashDeposited():
            state = plans.get(payload.account_id)
            if state is not None and payload.reference.startswith(state.plan.plan_id + "/"):
                state.credited.add(payload.reference)
        case TrancheReleased():
            state = plans.get(payload.account_id)
            if state is not None and state.plan.plan_id == payload.plan_id:
                state.released.add(payload.sequence)
        case BarClosed():
            for state in plans.values():
                watch = state.watches.get(payload.symbol)
                if watch is not None and payload.end > state.set_at:
                    watch.high = max(watch.high, payload.high)
                    watch.last = payload.close
        case _:
            pass
