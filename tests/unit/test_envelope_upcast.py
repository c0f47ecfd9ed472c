"""Upcasting: a stored payload of an old schema version is read as the current one.

A test-only payload type stands in for a real one: its v1 called the quantity "qty". It is
registered for these tests only, so the desk's registry (and code that walks it) never sees it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

import domain.events.envelope as envelope_module
from domain.events import Envelope, Payload, known_event_types, register_upcaster
from domain.events.envelope import register
from tests.unit.conftest import envelope


class UpcastProbe(Payload):
    event_type: ClassVar[str] = "tests.unit.test_envelope_upcast.UpcastProbe"
    schema_version: ClassVar[int] = 2

    symbol: str
    quantity: int


def _qty_renamed_quantity(data: dict[str, Any]) -> dict[str, Any]:
    data["quantity"] = data.pop("qty")
    return data


@pytest.fixture(autouse=True)
def probe_registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register the probe and its v1 upcaster in scratch copies of the registries."""
    monkeypatch.setattr(envelope_module, "_PAYLOADS", dict(envelope_module._PAYLOADS))
    monkeypatch.setattr(envelope_module, "_UPCASTERS", dict(envelope_module._UPCASTERS))
    register(UpcastProbe)
    register_upcaster(UpcastProbe.event_type, 1)(_qty_renamed_quantity)
    yield


def _stored_probe(schema_version: int, payload: dict[str, Any]) -> dict[str, Any]:
    current = envelope(UpcastProbe(symbol="TCS", quantity=1))
    data: dict[str, Any] = json.loads(current.model_dump_json())
    data["schema_version"] = schema_version
    data["payload"] = payload
    return data


def test_decode_when_stored_payload_is_v1_then_upcast_to_current_version() -> None:
    data = _stored_probe(1, {"symbol": "TCS", "qty": 25})

    restored = Envelope.model_validate(data)

    assert restored.payload == UpcastProbe(symbol="TCS", quantity=25)
    assert restored.schema_version == 2


def test_decode_when_stored_payload_is_current_then_read_as_is() -> None:
    data = _stored_probe(2, {"symbol": "TCS", "quantity": 25})

    restored = Envelope.model_validate(data)

    assert restored.payload == UpcastProbe(symbol="TCS", quantity=25)


def test_decode_when_stored_payload_is_newer_than_code_then_rejected() -> None:
    data = _stored_probe(3, {"symbol": "TCS", "quantity": 25})

    with pytest.raises(ValidationError, match="newer than this code"):
        Envelope.model_validate(data)


def test_decode_when_no_upcaster_for_old_version_then_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(envelope_module._UPCASTERS, (UpcastProbe.event_type, 1))
    data = _stored_probe(1, {"symbol": "TCS", "qty": 25})

    with pytest.raises(ValidationError, match="no upcaster"):
        Envelope.model_validate(data)


def test_registry_when_probe_registered_then_listed_among_known_types() -> None:
    assert UpcastProbe.event_type in known_event_types()
