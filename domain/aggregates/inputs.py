"""Facts from outside (bars, news, announcements): write-once streams."""

from __future__ import annotations

from domain.aggregates.base import Aggregate, Cause
from domain.events import Payload


class InputStream(Aggregate):
    """Facts from outside, appended at the version their source position gives them."""

    @classmethod
    def at(cls, stream_id: str, version: int) -> InputStream:
        """A stream positioned so the next append lands at `version`."""
        stream = cls(stream_id)
        stream.version = version - 1
        return stream

    def append(self, payload: Payload, cause: Cause) -> None:
        self._record(payload, cause)
