"""DESK_JITTER: the test-only random pauses of the relay and workers."""

from __future__ import annotations

import pytest

from adapters.kafka.jitter import ENV, jitter_from


def test_jitter_when_the_variable_is_unset_then_there_is_none() -> None:
    assert jitter_from("relay", {}) is None
    assert jitter_from("relay", {ENV: "  "}) is None


def test_jitter_when_seed_and_role_repeat_then_the_pauses_repeat() -> None:
    first = jitter_from("worker", {ENV: "7:20"})
    again = jitter_from("worker", {ENV: "7:20"})
    other_role = jitter_from("relay", {ENV: "7:20"})
    assert first is not None and again is not None and other_role is not None

    pauses = [first._seconds() for _ in range(5)]

    assert pauses == [again._seconds() for _ in range(5)]
    assert pauses != [other_role._seconds() for _ in range(5)]
    assert all(0 <= p <= 0.020 for p in pauses)


@pytest.mark.parametrize("spec", ["7", "seven:20", "7:20:1", "7:-1"])
def test_jitter_when_the_variable_is_malformed_then_it_says_what_it_expects(spec: str) -> None:
    with pytest.raises(ValueError, match="SEED:MAX_MS"):
        jitter_from("relay", {ENV: spec})
