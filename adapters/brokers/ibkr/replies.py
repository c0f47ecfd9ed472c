"""Pure readings of what IBKR answers an order request with: the placed orders, a question
it wants confirmed through `/iserver/reply/{replyId}`, or an error; and its HTTP failures
as `VenueError`s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.brokers.ibkr.config import QUESTION_KINDS
from domain.venue import VenueError, VenueErrorKind

# "Order couldn't be submitted: Local order ID=<cOID> is already registered."
DUPLICATE_COID = re.compile(r"Local order ID=(?P<coid>\S+?)\.? is already registered",
                            re.IGNORECASE)
# Words IBKR uses when the gateway has no brokerage session.
_UNAUTHENTICATED = ("not authenticated", "no bridge", "session is not authenticated")


@dataclass(frozen=True)
class Placed:
    """IBKR took the orders: its order ids, in the order the tickets were sent."""

    order_ids: tuple[str, ...]
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """IBKR asks before it takes the order; nothing is placed until it is confirmed."""

    reply_id: str
    text: str
    kinds: frozenset[str]  # the QUESTION_KINDS its text matches (empty: unknown)

    def accepted_by(self, allowed: Sequence[str]) -> bool:
        """True when every kind the question matches is on the allow-list, and it matched
        at least one (an unknown question is refused)."""
        return bool(self.kinds) and self.kinds <= set(allowed)


@dataclass(frozen=True)
class Duplicate:
    """IBKR already holds an order under this cOID (sent before, e.g. before a timeout)."""

    coid: str


Answer = Placed | Question | Duplicate


def question_kinds(text: str) -> frozenset[str]:
    """The kinds of question whose words appear in IBKR's text."""
    lowered = " ".join(text.lower().split())
    return frozenset(kind for kind, words in QUESTION_KINDS.items() if words in lowered)


def answer(payload: Any) -> Answer:
    """What `POST .../orders`, `POST .../order/{id}` or `POST /iserver/reply/{id}` said;
    raises `VenueError(REJECTED)` with IBKR's words when it refused the order."""
    if isinstance(payload, Mapping):
        message = str(payload.get("error") or payload.get("message") or payload)
        duplicate = DUPLICATE_COID.search(message)
        if duplicate:
            return Duplicate(coid=duplicate.group("coid"))
        raise VenueError(VenueErrorKind.REJECTED, message)
    if not isinstance(payload, list) or not payload:
        raise VenueError(VenueErrorKind.REJECTED, f"unexpected IBKR order answer {payload!r}")
    first = payload[0]
    if isinstance(first, Mapping) and "id" in first and "message" in first:
        lines = first["message"]
        text = " ".join(str(m).strip() for m in (lines if isinstance(lines, list) else [lines]))
        return Question(reply_id=str(first["id"]), text=text, kinds=question_kinds(text))
    ids, statuses = [], []
    for item in payload:
        if not isinstance(item, Mapping) or item.get("order_id") in (None, ""):
            raise VenueError(VenueErrorKind.REJECTED, f"unexpected IBKR order answer {item!r}")
        ids.append(str(item["order_id"]))
        statuses.append(str(item.get("order_status", "")))
    return Placed(order_ids=tuple(ids), statuses=tuple(statuses))


def error_for(status: int, body: Any, retry_after: str | None = None) -> VenueError | None:
    """The desk's error for an IBKR HTTP answer, or None when it succeeded. An order
    refused in a 2xx answer is read by `answer`, not here."""
    text = _words(body)
    if status in (401, 403) or any(w in text.lower() for w in _UNAUTHENTICATED):
        return VenueError(VenueErrorKind.AUTH, "IBKR gateway session is not authenticated "
                          "(log in to the gateway)", status=status)
    if status < 400:
        return None
    if status == 429:
        return VenueError(VenueErrorKind.RATE_LIMITED, text or "too many requests",
                          status=status, retry_after=_seconds(retry_after))
    if status == 404:
        return VenueError(VenueErrorKind.NOT_FOUND, text or "not found", status=status)
    if status >= 500:
        return VenueError(VenueErrorKind.UNAVAILABLE, text or "IBKR server error",
                          status=status)
    if DUPLICATE_COID.search(text):
        return None  # `answer` turns it into a lookup
    return VenueError(VenueErrorKind.REJECTED, text or f"HTTP {status}", status=status)


def _words(body: Any) -> str:
    if isinstance(body, Mapping):
        return str(body.get("error") or body.get("message") or "")
    return str(body or "").strip()[:200]


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
