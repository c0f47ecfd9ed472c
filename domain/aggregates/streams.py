"""Write-once streams: inputs from outside (bars, news) and scored signals."""

from __future__ import annotations

from domain.aggregates.base import Aggregate, Cause
from domain.events import Envelope, Payload


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


class Signal(Aggregate):
    """A signal's one decision: scored or filtered."""

    def decide(self, payload: Payload, cause: Cause) -> Envelope | None:
        """Record the decision once; None when the signal was already decided."""
        if self.exists:
            return None
        return self._record(payload, cause)
