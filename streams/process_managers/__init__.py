"""Process managers: each reacts to logged events by issuing commands to aggregates.

A process manager is `handle(event, view, uow)`: it reads the read model (`view`, folded up
to and including `event`), loads aggregates through the unit of work, and runs commands on
them. The runtime commits the unit of work atomically with its position in the log.

`REACTIONS` says who reacts to each event type, in order: beside the fold table
(`projections.desk._ROUTES`, what each event folds into), it answers "what does X cause".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from domain.events import (
    AnnouncementArrived,
    BarClosed,
    CardApproved,
    CardProposed,
    CardReviewed,
    DeskLossLimitSet,
    Envelope,
    ExitRequested,
    NewsArrived,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    Payload,
    PositionClosed,
)
from projections.desk import DeskView
from streams.process_managers.allocation import Allocation
from streams.process_managers.approval_policy import PolicyApprover
from streams.process_managers.auto_approver import AutoApprover
from streams.process_managers.dca import DcaBuys
from streams.process_managers.execution import Execution
from streams.process_managers.expiry import CardExpiry
from streams.process_managers.funding import FundingWatch
from streams.process_managers.operator_exits import OperatorExits
from streams.process_managers.paper_fills import PaperFills
from streams.process_managers.risk_watch import RiskWatch
from streams.process_managers.rule_exits import RuleExits
from streams.process_managers.strategy_windows import StrategyWindows
from streams.unit_of_work import UnitOfWork


class ProcessManager(Protocol):
    """Reacts to logged events by running commands on aggregates through the unit of work."""

    name: str

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """React to `event`, seen against `view` folded up to and including it."""
        ...


Reactions = Mapping[type[Payload], tuple[ProcessManager, ...]]

# Event type -> the process managers that react to it, in the order they run within the
# step (the order in which they load and change aggregates: keep it when adding a row).
REACTIONS: dict[type[Payload], tuple[type, ...]] = {
    BarClosed: (PaperFills, RiskWatch, CardExpiry, FundingWatch, StrategyWindows,
                Allocation, DcaBuys, RuleExits),
    NewsArrived: (Allocation,),
    AnnouncementArrived: (Allocation,),
    CardProposed: (AutoApprover, PolicyApprover),
    CardReviewed: (PolicyApprover,),
    CardApproved: (Execution,),
    OrderFilled: (Execution,),
    PositionClosed: (Execution, RiskWatch),
    OrderRejected: (Execution,),
    OrderCancelled: (Execution,),
    ExitRequested: (OperatorExits,),
    DeskLossLimitSet: (RiskWatch,),
}


def reactions(managers: Iterable[ProcessManager]) -> Reactions:
    """`REACTIONS` with the given instances; a manager not given (the optional
    AutoApprover) reacts to nothing."""
    by_type = {type(m): m for m in managers}
    return {
        event_type: tuple(by_type[cls] for cls in classes if cls in by_type)
        for event_type, classes in REACTIONS.items()
    }
