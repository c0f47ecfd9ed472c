"""An index of the log for card lineage: which positions a card's trace is made of.

`projections.lineage.trace` answers "why did this card happen?" by scanning the whole log;
this index is folded once, event by event, so a card's lineage is a few dictionary walks
and a read of just those positions. It keeps, per event, only its id, the ids it names as
cause or evidence, and the card and order ids it links; the events themselves stay in the
log. `lineage_positions` returns what `trace` would, for a card or order id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from domain.events import Recorded

_LINKS = ("card_id", "order_id")  # as in projections.lineage: the ids a card's trace follows


@dataclass
class LineageIndex:
    """Event ids to positions, each position's parents, and the positions naming each id."""

    position_of: dict[str, int] = field(default_factory=dict)
    parents: dict[int, tuple[str, ...]] = field(default_factory=dict)
    links: dict[int, tuple[str, ...]] = field(default_factory=dict)
    by_key: dict[str, list[int]] = field(default_factory=dict)
    after: int = 0  # the last log position indexed


def index_event(index: LineageIndex, rec: Recorded) -> None:
    """Fold one recorded event into the index (positions already indexed are skipped)."""
    if rec.position <= index.after:
        return
    event, position = rec.event, rec.position
    index.after = position
    index.position_of[str(event.event_id)] = position
    parents = tuple(str(p) for p in (event.causation_id, *getattr(event.payload, "evidence", ()))
                    if isinstance(p, UUID))
    if parents:
        index.parents[position] = parents
    links = tuple(str(v) for k in _LINKS if (v := getattr(event.payload, k, None)))
    if links:
        index.links[position] = links
    for key in {event.stream_id, *links}:
        index.by_key.setdefault(key, []).append(position)


def lineage_positions(index: LineageIndex, ident: str) -> list[int]:
    """The log positions of `ident`'s trace (a card or order id), in log order; [] if none."""
    seeds = index.by_key.get(ident, [])
    if not seeds:
        return []
    keys = {ident}
    frontier = list(seeds)
    seen: set[int] = set()
    while frontier:  # cards and orders point at each other: follow the links to a fixpoint
        position = frontier.pop()
        if position in seen:
            continue
        seen.add(position)
        for key in index.links.get(position, ()):
            if key not in keys:
                keys.add(key)
                frontier.extend(index.by_key.get(key, []))
    related = set(seen)
    ancestors = list(related)
    while ancestors:  # back along causation and evidence to the originating news or bar
        for parent in index.parents.get(ancestors.pop(), ()):
            found = index.position_of.get(parent)
            if found is not None and found not in related:
                related.add(found)
                ancestors.append(found)
    return sorted(related)
