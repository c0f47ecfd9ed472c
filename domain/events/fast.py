"""The fast way to read a stored envelope: one validation pass over its raw JSON.

`Envelope.model_validate_json` cannot know the payload's class before it has read the
`type` field, so it builds the whole envelope as Python data, calls back into Python to
pick and upcast the payload, then validates the payload a second time from that data.
The store knows each event's type without reading its JSON (the stored topic), so
`decode` validates the raw bytes with a model made for that type: the same fields and
checks, the payload's own class in place of the open `Payload`, all in one pass.

Whatever that model refuses (an old schema version that needs upcasting, a type that
does not match its topic, a bad field) goes the slow way, so every error reads as before
and the result is always what `Envelope.model_validate_json` gives.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from domain.events.envelope import Envelope, assembled, payload_type

# event type -> its one-pass model (None: a type no payload class is registered for)
_MODELS: dict[str, type[BaseModel] | None] = {}


def _model_for(event_type: str) -> type[BaseModel] | None:
    try:
        payload = payload_type(event_type)
    except ValueError:
        return None
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in Envelope.model_fields.items()
    }
    fields["type"] = (Literal[event_type], ...)
    fields["schema_version"] = (Literal[payload.schema_version], ...)
    fields["payload"] = (payload, ...)
    model: type[BaseModel] = create_model(
        f"Envelope_{event_type}", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def decode(state: bytes | str, topic: str) -> Envelope:
    """The envelope stored as `state` under `topic` (its event type): equal, field for
    field, to `Envelope.model_validate_json(state)`, which also raises its errors."""
    model = _MODELS.get(topic, Envelope)
    if model is Envelope:
        model = _MODELS[topic] = _model_for(topic)
    if model is not None:
        try:
            found = model.model_validate_json(state)
        except ValidationError:
            pass  # the slow path says what is wrong, or upcasts
        else:
            if found.stream_version >= 1:  # type: ignore[attr-defined]
                return assembled(Envelope, found.__dict__)  # `found` is dropped
    return Envelope.model_validate_json(state)
