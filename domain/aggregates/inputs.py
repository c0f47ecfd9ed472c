"""Facts from outside (bars, news, announcements): write-once streams."""

from __future__ import annotations

from collections.abc import Iterable

from domain.aggregates.base import Aggregate, Cause, envelope_fields
from domain.events import Envelope, Payload
from domain.events.envelope import assembled


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


def first_events(facts: Iterable[tuple[str, Payload, Cause]]) -> list[Envelope]:
    """Version 1 of each fact's write-once stream: the envelopes `InputStream.append` would
    record, without an aggregate per fact or validating each envelope again (a year's
    tradebook is 100,000 facts). The envelope's checks hold by construction (a payload
    object, its own type and version, version 1) but for its times: a fact with a naive
    time is validated in full, so it is refused with the envelope's own reason."""
    events = []
    for stream_id, payload, cause in facts:
        fields = envelope_fields(stream_id, 1, payload, cause)
        if cause.occurred_at.utcoffset() is None or cause.recorded_at.utcoffset() is None:
            events.append(Envelope(**fields))  # refused with the envelope's own reason
            continue
        events.append(assembled(Envelope, fields))
    return events
