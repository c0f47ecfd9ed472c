"""Process managers: each reacts to logged events by issuing commands to aggregates.

A handler is `handle(event, view, uow)`: it reads the read model (`view`, folded up to and
including `event`), loads aggregates through the unit of work, and runs commands on them.
The runtime commits the unit of work atomically with its position in the log.
"""

from __future__ import annotations

from typing import Protocol

from domain.events import Envelope
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork


class Handler(Protocol):
    name: str

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None: ...
