"""Read models as JSON: a partial view, a last bar and the research state, each exactly.

The Kafka runtime's workers keep these in their tables and in the store's `desk_views`
table; `projections.merge` puts the parts back together.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from projections.desk import DeskView
from projections.market import LastBar
from projections.research import Research

_VIEW = TypeAdapter(DeskView)
_BAR = TypeAdapter(LastBar)
_RESEARCH = TypeAdapter(Research)


def encode_view(view: DeskView) -> bytes:
    """A view as JSON bytes."""
    return _VIEW.dump_json(view)


def decode_view(data: bytes | str) -> DeskView:
    """A view from `encode_view`'s JSON."""
    return _VIEW.validate_json(data)


def encode_bar(bar: LastBar) -> bytes:
    """A last bar as JSON bytes."""
    return _BAR.dump_json(bar)


def decode_bar(data: bytes | str) -> LastBar:
    """A last bar from `encode_bar`'s JSON."""
    return _BAR.validate_json(data)


def encode_research(research: Research) -> bytes:
    """The research state as JSON bytes."""
    return _RESEARCH.dump_json(research)


def decode_research(data: bytes | str) -> Research:
    """The research state from `encode_research`'s JSON."""
    return _RESEARCH.validate_json(data)
