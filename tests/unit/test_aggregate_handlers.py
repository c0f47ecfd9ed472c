"""Aggregates apply events by method name, so a misspelled `_on_*` would silently ignore its
event: every handler must name a registered event type and take that payload."""

from __future__ import annotations

from typing import get_type_hints

import domain.aggregates  # noqa: F401  (registers every aggregate as a subclass)
from domain.aggregates.base import Aggregate, handler_name
from domain.events import known_event_types, payload_type


def _aggregates() -> list[type[Aggregate]]:
    found, todo = [], list(Aggregate.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_handlers_when_aggregates_are_loaded_then_each_applies_a_registered_event() -> None:
    by_handler = {handler_name(t): payload_type(t) for t in known_event_types()}
    handlers = [(cls, name) for cls in _aggregates() for name in vars(cls)
                if name.startswith("_on_")]

    unknown = [f"{cls.__name__}.{name}" for cls, name in handlers if name not in by_handler]
    mistyped = [
        f"{cls.__name__}.{name}" for cls, name in handlers if name in by_handler
        and get_type_hints(getattr(cls, name))["e"] is not by_handler[name]
    ]

    assert len(handlers) > 20  # every aggregate's handlers were found
    assert unknown == []
    assert mistyped == []


def test_handler_name_when_given_an_event_type_then_the_snake_case_method() -> None:
    assert handler_name("CashDeposited") == "_on_cash_deposited"
    assert handler_name("KillSwitchTripped") == "_on_kill_switch_tripped"
