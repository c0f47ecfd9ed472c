"""A one-line progress bar for long commands, drawn on a terminal only.

Redirected to a file or a pipe (a script, CI, `--json` read by a program) the bar draws
nothing at all, so the command's output is the same as without it.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_WIDTH = 30
_EVERY_S = 0.2  # redraw at most this often: drawing must not cost the work it measures


class ProgressBar:
    """`bar(done, total)` redraws `label [#####.....] done/total  rate/s` in place;
    `bar.close()` ends the line. Silent when `stream` is not a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None, unit: str = "events") -> None:
        self.label, self.unit = label, unit
        self.stream = stream if stream is not None else sys.stderr
        self.on = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.on:
            return
        now = time.monotonic()
        if now - self.drawn_at < _EVERY_S and done < total:
            return
        self.drawn_at, self.drawn = now, True
        self.stream.write("\r" + self.line(done, total, now - self.started))
        self.stream.flush()

    def line(self, done: int, total: int, elapsed: float) -> str:
        """The bar's text for `done` of `total` after `elapsed` seconds."""
        share = min(done / total, 1.0) if total > 0 else 1.0
        filled = round(share * _WIDTH)
        rate = done / elapsed if elapsed > 0 else 0.0
        return (
            f"{self.label} [{'#' * filled}{'.' * (_WIDTH - filled)}] {share:4.0%} "
            f"{done:,}/{total:,} {self.unit}  {rate:,.0f}/s"
        )

    def close(self) -> None:
        """End the bar's line so what is printed next starts on a fresh one."""
        if self.on and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
