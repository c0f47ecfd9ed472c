"""Random pauses in the relay and the workers, for tests that make timing adversarial.

Off unless `DESK_JITTER` is set to `SEED:MAX_MS`: then each pause point (a page the relay
publishes, a message a worker consumes, an event the process managers handle) waits a
random 0..MAX_MS milliseconds, drawn from a generator seeded per process role. A desk whose
decisions depend on timing decides differently under it; one that takes every fact from
the log does not.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Mapping

ENV = "DESK_JITTER"


class Jitter:
    """Pauses of a random length up to `max_ms`, reproducible from `seed` and `role`."""

    def __init__(self, seed: int, max_ms: float, role: str) -> None:
        self.max_ms = max_ms
        self._rng = random.Random(f"{seed}:{role}")

    def _seconds(self) -> float:
        return self._rng.uniform(0.0, self.max_ms) / 1000

    async def pause(self) -> None:
        """Wait a random moment without blocking the event loop."""
        await asyncio.sleep(self._seconds())

    def pause_thread(self) -> None:
        """Wait a random moment in the calling thread."""
        time.sleep(self._seconds())


def jitter_from(role: str, environ: Mapping[str, str] = os.environ) -> Jitter | None:
    """The jitter `DESK_JITTER` asks for (`SEED:MAX_MS`), or None when it is unset."""
    spec = environ.get(ENV, "").strip()
    if not spec:
        return None
    try:
        seed, max_ms = spec.split(":")
        jitter = Jitter(int(seed), float(max_ms), role)
    except ValueError:
        raise ValueError(f"{ENV} must be SEED:MAX_MS (e.g. 7:20), got {spec!r}") from None
    if jitter.max_ms < 0:
        raise ValueError(f"{ENV} must be SEED:MAX_MS with MAX_MS >= 0, got {spec!r}")
    return jitter
