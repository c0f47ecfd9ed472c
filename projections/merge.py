"""Partial read models put back together into the desk's one view.

The Kafka runtime's projection workers keep one partial `DeskView` per account (the
partition key) over disjoint streams; the last bar per symbol and the research state are
each held whole by one process. `merge` combines every `DeskView` field: those in
`_COMBINED` from the parts, those in `WHOLE` from their one holder. A field in neither
fails `tests/unit/test_merge.py`, so a new field cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from projections.desk import DeskView
from projections.market import LastBar
from projections.research import Research

Combine = Callable[[DeskView, DeskView], None]  # (merged so far, one more part)


def _update(name: str) -> Combine:
    """Key-by-key union of a dict field (parts cover disjoint keys)."""

    def combine(merged: DeskView, part: DeskView) -> None:
        getattr(merged, name).update(getattr(part, name))

    return combine


def _position(merged: DeskView, part: DeskView) -> None:
    merged.position = max(merged.position, part.position)


def _as_of(merged: DeskView, part: DeskView) -> None:
    if part.as_of is not None:
        merged.as_of = part.as_of if merged.as_of is None else max(merged.as_of, part.as_of)


def _positions(merged: DeskView, part: DeskView) -> None:
    # Marks come from the market (WHOLE), not from the parts, which fold no bars.
    for account_id, held in part.positions.by_account.items():
        merged.positions.by_account.setdefault(account_id, {}).update(held)
    for symbol, holders in part.positions.holders.items():
        merged.positions.holders.setdefault(symbol, set()).update(holders)


def _orders(merged: DeskView, part: DeskView) -> None:
    merged.orders.by_id.update(part.orders.by_id)
    for symbol, live in part.orders.live_by_symbol.items():
        merged.orders.live_by_symbol.setdefault(symbol, set()).update(live)


def _reviews(merged: DeskView, part: DeskView) -> None:
    merged.reviews.by_card.update(part.reviews.by_card)
    merged.reviews.outcomes.update(part.reviews.outcomes)
    merged.reviews.prompts.update(part.reviews.prompts)  # each prompt's stream: one part


def _strategies(merged: DeskView, part: DeskView) -> None:
    merged.strategies.by_name.update(part.strategies.by_name)  # each strategy's stream: one part


def _duplicates(merged: DeskView, part: DeskView) -> None:
    merged.duplicates += part.duplicates


# DeskView field -> how a part adds to it.
_COMBINED: dict[str, Combine] = {
    "position": _position,
    "as_of": _as_of,
    "stream_versions": _update("stream_versions"),
    "accounts": _update("accounts"),
    "cash": _update("cash"),
    "funding": _update("funding"),
    "transfers": _update("transfers"),
    "positions": _positions,
    "orders": _orders,
    "cards": _update("cards"),
    "risk": _update("risk"),
    "kills": _update("kills"),
    "counts": _update("counts"),  # a Counter: update adds the parts' counts
    "duplicates": _duplicates,
    "reviews": _reviews,
    "strategies": _strategies,
}
# DeskView fields one process holds whole, given to `merge` as they are.
WHOLE = {
    "market": "the projection workers' last bar per symbol",
    "research": "the process managers' research state: they fold the whole log",
}
COMBINED = frozenset(_COMBINED)


def merge(parts: Iterable[DeskView], market: Mapping[str, LastBar],
          research: Research | None = None) -> DeskView:
    """One view from partial views over disjoint streams, with the last bar per symbol
    (`market`, which also marks the positions) and the research state."""
    merged = DeskView()
    for part in parts:
        for combine in _COMBINED.values():
            combine(merged, part)
    merged.market.update(market)
    merged.positions.marks.update({s: bar.close for s, bar in market.items()})
    last_bar = max((bar.end for bar in market.values()), default=None)
    if last_bar is not None and (merged.as_of is None or last_bar > merged.as_of):
        merged.as_of = last_bar
    if research is not None:
        merged.research = research
    return merged
