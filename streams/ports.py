"""What the API and the feeds need of a runtime, whichever one makes the desk's decisions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from domain.events import Recorded
from domain.inputs import InputFact
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork


class DeskRuntime(Protocol):
    """The read model, operator commands and outside facts: `EmbeddedRuntime` (handlers run
    in this process) or `WorkerViews` (the Kafka runtime's workers run them)."""

    @property
    def view(self) -> DeskView:
        """The desk's read model as this process knows it."""
        ...

    def execute(self, uow: UnitOfWork) -> list[Recorded]:
        """Commit an operator's unit of work; return what was recorded."""
        ...

    def ingest(self, facts: Iterable[InputFact]) -> int:
        """Append the facts not yet logged; return how many streams were written."""
        ...
