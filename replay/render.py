"""How audit commands print events: one line each, or JSON lines."""

from __future__ import annotations

import json
from typing import Any

from domain.events import CardProposed, Recorded
from domain.session import IST

_SKIP = {"evidence", "guardrails", "thesis", "sizing", "rationale", "body", "definition"}


def line(r: Recorded, full: bool = False) -> str:
    """One event as one line: position, time, type, stream and its payload's key facts."""
    e = r.event
    payload = e.payload.model_dump(mode="json")
    shown = payload if full else {k: v for k, v in payload.items() if k not in _SKIP}
    details = " ".join(f"{k}={_short(v, full)}" for k, v in shown.items())
    return (f"{r.position:>7} {e.occurred_at.astimezone(IST):%Y-%m-%d %H:%M:%S} IST "
            f"{e.type:<20} actor={e.actor} stream={e.stream_id} v{e.stream_version} "
            f"id={e.event_id} {details}")


def explained(r: Recorded) -> list[str]:
    """A decision event's line, then its explanation indented below it: the thesis, the
    meta-label, the sizing arithmetic, expected costs, expiry and every guardrail."""
    lines = [line(r)]
    payload = r.event.payload
    def add(label: str, text: object) -> None:
        """Add one labelled line of the explanation, unless empty."""
        if text not in (None, "", ()):
            lines.append(f"{'':>9}{label:<12} {text}")
    add("reason", getattr(payload, "reason", None))
    add("rationale", getattr(payload, "rationale", None))
    add("thesis", getattr(payload, "thesis", None))
    meta = getattr(payload, "meta", None)
    if meta is not None and not getattr(payload, "thesis", None):
        add("meta-label", meta.explanation)
    add("sizing", getattr(payload, "sizing", None))
    if isinstance(payload, CardProposed):
        add("expected", f"round-trip charges {payload.expected_cost}; expires "
            f"{payload.expires_at.astimezone(IST):%H:%M:%S} IST; mandate "
            f"v{payload.mandate_version}")
    for g in getattr(payload, "guardrails", ()):
        add("guardrail", f"{'pass' if g.passed else 'FAIL'} {g.name}: {g.detail}")
    return lines


def record(r: Recorded) -> dict[str, Any]:
    """One event as a JSON-ready dict with its log position."""
    return {"position": r.position, **r.event.model_dump(mode="json")}


def json_line(r: Recorded) -> str:
    """One event as one line of JSON (keys sorted)."""
    return json.dumps(record(r), sort_keys=True)


def _short(value: Any, full: bool = False) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if full or len(text) <= 80 else text[:77] + "..."
