"""Live feeds as operators read them: a line each on `/ready`, gauges on `/metrics`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from domain.ticks import FeedStatus


def readiness(feeds: Sequence[FeedStatus]) -> tuple[list[dict[str, object]], list[str]]:
    """Each feed's state, and a reason for each feed that is not connected."""
    states: list[dict[str, object]] = [{
        "name": f.name, "connected": f.connected, "subscribed": f.subscribed,
        "last_message_at": f.last_message_at.isoformat() if f.last_message_at else None,
        "lag_ms": f.lag_ms, "reconnects": f.reconnects, "frames": f.frames,
        "ticks": f.ticks, "bad_frames": f.bad_frames,
    } for f in feeds]
    reasons = [f"feed {f.name} is not connected" for f in feeds if not f.connected]
    return states, reasons


Gauge = tuple[str, str, Callable[[FeedStatus, datetime], float]]

_GAUGES: tuple[Gauge, ...] = (
    ("desk_feed_connected", "1 when the feed's connection is open.",
     lambda f, now: int(f.connected)),
    ("desk_feed_reconnects_total", "Reconnects since the desk started.",
     lambda f, now: f.reconnects),
    ("desk_feed_frames_total", "Frames received.", lambda f, now: f.frames),
    ("desk_feed_ticks_total", "Ticks decoded.", lambda f, now: f.ticks),
    ("desk_feed_bad_frames_total", "Frames that could not be decoded (recorded).",
     lambda f, now: f.bad_frames),
    ("desk_feed_lag_milliseconds", "Receipt time less the last tick's exchange time.",
     lambda f, now: f.lag_ms if f.lag_ms is not None else -1),
    ("desk_feed_last_message_age_seconds", "Seconds since the last frame (-1: none yet).",
     lambda f, now: round((now - f.last_message_at).total_seconds(), 3)
     if f.last_message_at else -1),
)


def prometheus(feeds: Sequence[FeedStatus], now: datetime) -> str:
    """Prometheus text for every feed (empty without feeds)."""
    if not feeds:
        return ""
    out: list[str] = []
    for name, help_text, value in _GAUGES:
        out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        out += [f'{name}{{feed="{f.name}"}} {value(f, now)}' for f in feeds]
    return "\n".join(out) + "\n"
