"""The fast decode path reads every stored envelope exactly as the slow one does, and the
progress bar of long commands stays off the output of scripts."""

from __future__ import annotations

import io
import json

import pytest
from pydantic import ValidationError

import domain.events.envelope as envelope_module
from cli.progress import ProgressBar
from domain.events import Envelope, register_upcaster
from domain.events.fast import decode
from tests.unit.conftest import envelope
from tests.unit.test_envelope import SAMPLES
from tests.unit.test_envelope_upcast import UpcastProbe, _qty_renamed_quantity, _stored_probe


def _stored(event_type: str) -> bytes:
    return envelope(SAMPLES[event_type], stream_id="s-1", version=3).model_dump_json().encode()


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_decode_when_event_is_stored_then_equals_the_slow_decode_field_for_field(
    event_type: str,
) -> None:
    state = _stored(event_type)

    fast, slow = decode(state, event_type), Envelope.model_validate_json(state)

    assert type(fast) is Envelope
    assert type(fast.payload) is type(slow.payload)
    assert fast == slow
    assert fast.model_dump_json().encode() == slow.model_dump_json().encode() == state


def test_decode_when_topic_names_another_type_then_reads_the_envelope_s_own_type() -> None:
    state = _stored("BarClosed")

    restored = decode(state, "CashDeposited")

    assert restored == Envelope.model_validate_json(state)


def test_decode_when_payload_is_invalid_then_raises_the_slow_path_s_error() -> None:
    data = json.loads(_stored("BarClosed"))
    data["payload"]["low"] = "999999"  # above the high: an inconsistent bar
    state = json.dumps(data).encode()

    with pytest.raises(ValidationError) as fast:
        decode(state, "BarClosed")
    with pytest.raises(ValidationError) as slow:
        Envelope.model_validate_json(state)
    assert str(fast.value) == str(slow.value)


def test_decode_when_stream_version_is_zero_then_refused_like_the_slow_path() -> None:
    data = json.loads(_stored("CashDeposited"))
    data["stream_version"] = 0

    with pytest.raises(ValidationError, match="stream_version starts at 1"):
        decode(json.dumps(data), "CashDeposited")


def test_progress_when_output_is_not_a_terminal_then_draws_nothing() -> None:
    out = io.StringIO()
    bar = ProgressBar("verify", stream=out)

    bar(5000, 10000)
    bar(10000, 10000)
    bar.close()

    assert out.getvalue() == ""


def test_progress_when_half_done_then_line_shows_half_the_bar_and_the_counts() -> None:
    text = ProgressBar("verify", stream=io.StringIO()).line(500_000, 1_000_000, 2.0)

    assert text.startswith("verify [" + "#" * 15 + "." * 15 + "]  50% 500,000/1,000,000")
    assert text.endswith("250,000/s")


def test_decode_when_stored_payload_is_an_old_version_then_upcast_as_the_slow_path_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(envelope_module, "_PAYLOADS", dict(envelope_module._PAYLOADS))
    monkeypatch.setattr(envelope_module, "_UPCASTERS", dict(envelope_module._UPCASTERS))
    envelope_module.register(UpcastProbe)
    register_upcaster(UpcastProbe.event_type, 1)(_qty_renamed_quantity)
    state = json.dumps(_stored_probe(1, {"symbol": "TCS", "qty": 25}))

    restored = decode(state, UpcastProbe.event_type)

    assert restored == Envelope.model_validate_json(state)
    assert restored.payload == UpcastProbe(symbol="TCS", quantity=25)
    assert restored.schema_version == 2
