"""Intake conversations in progress, kept in the API process's memory.

A session lives until it is confirmed or the process stops (a restart forgets unconfirmed
sessions: nothing was stored for them). At most `LIMIT` are kept; starting one more drops
the oldest.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict

from domain.intake import Session

LIMIT = 1000


class IntakeSessions:
    """Intake conversations in progress, the oldest dropped past `limit`."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._limit = limit

    def start(self, session: Session) -> str:
        """Keep a new session; its unguessable id."""
        session_id = f"intake-{secrets.token_urlsafe(12)}"
        self._sessions[session_id] = session
        while len(self._sessions) > self._limit:
            self._sessions.popitem(last=False)
        return session_id

    def get(self, session_id: str) -> Session | None:
        """The session with this id, or None when unknown or dropped."""
        return self._sessions.get(session_id)

    def put(self, session_id: str, session: Session) -> None:
        """Store the session's next state."""
        self._sessions[session_id] = session

    def end(self, session_id: str) -> None:
        """Forget the session (confirmed or abandoned)."""
        self._sessions.pop(session_id, None)
