"""Cyclic garbage collection paused for one bulk step of a command: the pause now lives in
`adapters/gc_pause.py`, so an adapter's bulk read (a tradebook file) can take it too."""

from adapters.gc_pause import collection_paused

__all__ = ["collection_paused"]
