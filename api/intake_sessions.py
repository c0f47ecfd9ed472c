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
    def __init__(self, limit: int = LIMIT) -> None:
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._limit = limit

    def start(self, session: Session) -> str:
        session_id = f"intake-{secrets.token_urlsafe(12)}"
        self._sessions[session_id] = session
        while len(self._sessions) > self._limit:
            self._sessions.popitem(last=False)
        return session_id

    def get(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def put(self, session_id: str, session: Session) -> None:
        self._sessions[session_id] = session

    def end(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)
