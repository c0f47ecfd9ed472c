"""What every feed's pure decoder gives back for one frame, and how it says a frame is bad."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.ticks import Tick


class FrameError(ValueError):
    """A frame that cannot be read; the message is the reason, in words."""


@dataclass
class Decoded:
    """One frame's ticks, and the instrument keys it named that nobody subscribed to."""

    ticks: list[Tick] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    heartbeat: bool = False
