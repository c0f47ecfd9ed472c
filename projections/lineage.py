"""Trace: why did this card or order happen? Its causal chain, from news to exit."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from domain.events import Recorded

_SEEDS = ("card_id", "order_id", "signal_id")
# A card's lineage follows its own card and order ids; the signal (shared with other
# accounts' cards) comes in as an ancestor, not as a key.
_LINKS = ("card_id", "order_id")


class TraceNotFound(LookupError):
    """No card, order, signal, stream or event has that id."""


def trace(log: Iterable[Recorded], ident: str) -> list[Recorded]:
    """The events that led to `ident` (a card, order, signal, stream or event id) and
    those that followed from it, in log order."""
    events = list(log)
    by_id = {str(r.event.event_id): r for r in events}
    seeds = [r for r in events if r.event.stream_id == ident or str(r.event.event_id) == ident
             or any(getattr(r.event.payload, k, None) == ident for k in _SEEDS)]
    if not seeds:
        raise TraceNotFound(f"nothing in the log is called {ident!r}")
    keys = {ident}
    for r in seeds:
        keys.update(str(getattr(r.event.payload, k)) for k in _LINKS
                    if getattr(r.event.payload, k, None))
    # Orders and cards point at each other: one more round picks up the partner ids.
    for r in events:
        if any(getattr(r.event.payload, k, None) in keys for k in _LINKS):
            keys.update(str(getattr(r.event.payload, k)) for k in _LINKS
                        if getattr(r.event.payload, k, None))
    related = {r.position: r for r in events
               if r.event.stream_id in keys
               or any(getattr(r.event.payload, k, None) in keys for k in _LINKS)}
    # Ancestors: follow causation (and evidence) back to the originating news.
    frontier = list(related.values())
    while frontier:
        r = frontier.pop()
        parents = [r.event.causation_id, *getattr(r.event.payload, "evidence", ())]
        for parent in parents:
            if isinstance(parent, UUID) and str(parent) in by_id:
                p = by_id[str(parent)]
                if p.position not in related:
                    related[p.position] = p
                    frontier.append(p)
    return [related[p] for p in sorted(related)]
