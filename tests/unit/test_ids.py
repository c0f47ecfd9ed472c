"""Ids: UUIDv7 event ids carrying the millisecond they were made, and the stream and entity
ids derived from their inputs (their text is stored, so it must never drift)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from domain.ids import (
    account_stream,
    bar_signal_id,
    bars_stream,
    card_id_for,
    fill_id_for,
    news_signal_id,
    order_id_for,
    short_hash,
    transfer_stream,
    uuid7,
)
from domain.values import Leg
from tests.unit.conftest import T0, UTC

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
# Ordering is checked where millis are carried exactly; the test above covers later dates.
instants_to_2037 = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)


def unix_millis(at: datetime) -> int:
    """Milliseconds since the epoch, in integer arithmetic."""
    return (at - EPOCH) // MILLISECOND


def test_uuid7_when_made_then_version_is_7_with_rfc_variant() -> None:
    value = uuid7(T0, b"account-acc-1/1")

    assert value.version == 7
    assert value.variant == uuid.RFC_4122


@given(at=instants, entropy=st.binary(max_size=32))
# An exact millisecond that float seconds-times-1000 truncates to the one before.
@example(at=datetime(2039, 5, 4, 22, 42, 50, 285000, tzinfo=UTC), entropy=b"x")
def test_uuid7_when_made_at_an_instant_then_carries_its_unix_millisecond(
    at: datetime, entropy: bytes
) -> None:
    value = uuid7(at, entropy)

    assert value.int >> 80 == unix_millis(at)  # RFC 9562: the first 48 bits
    assert value.version == 7


@given(
    earlier=instants_to_2037,
    gap_ms=st.integers(min_value=1, max_value=10**9),
    first=st.binary(max_size=16),
    second=st.binary(max_size=16),
)
def test_uuid7_when_made_a_millisecond_or_more_apart_then_sorts_by_time(
    earlier: datetime, gap_ms: int, first: bytes, second: bytes
) -> None:
    later = earlier + gap_ms * MILLISECOND

    assert uuid7(earlier, first) < uuid7(later, second)


@given(at=instants, entropy=st.binary(max_size=32))
def test_uuid7_when_given_same_instant_and_entropy_then_same_id(
    at: datetime, entropy: bytes
) -> None:
    assert uuid7(at, entropy) == uuid7(at, entropy)


def test_uuid7_when_entropy_differs_in_same_millisecond_then_ids_differ() -> None:
    assert uuid7(T0, b"order-1/1") != uuid7(T0, b"order-1/2")


def test_short_hash_when_given_same_parts_then_same_digest_of_requested_length() -> None:
    assert short_hash("TCS", "a-1") == short_hash("TCS", "a-1")
    assert len(short_hash("TCS", "a-1", length=12)) == 12
    # The separator keeps ("ab", "c") and ("a", "bc") apart.
    assert short_hash("ab", "c") != short_hash("a", "bc")


def test_card_id_for_when_given_a_signal_then_one_card_per_account_and_signal() -> None:
    signal_id = news_signal_id("results-beat", "TCS", T0)

    card_id = card_id_for("growth", signal_id)

    assert signal_id == "sig-results-beat-TCS-20250106"
    assert card_id == "card-growth-results-beat-TCS-20250106"
    assert card_id_for("income", signal_id) != card_id


def test_order_id_for_when_given_a_card_then_its_order_and_fills_follow_from_it() -> None:
    order_id = order_id_for("card-growth-orb-TCS-202501060930")

    assert order_id == "order-growth-orb-TCS-202501060930"
    assert fill_id_for(order_id, Leg.ENTRY) == "order-growth-orb-TCS-202501060930-entry"
    assert fill_id_for(order_id, Leg.SQUARE_OFF) == f"{order_id}-square_off"


def test_signal_ids_when_made_near_midnight_utc_then_named_by_the_ist_session() -> None:
    # 19:00 UTC on 5 Jan is 00:30 IST on 6 Jan: the IST day names the session.
    late = datetime(2025, 1, 5, 19, 0, tzinfo=UTC)

    assert news_signal_id("gap", "INFY", late) == "sig-gap-INFY-20250106"
    assert bar_signal_id("orb", "INFY", T0) == "sig-orb-INFY-202501060930"
    assert bars_stream("INFY", late) == "bars-INFY-20250106"


def test_transfer_stream_when_given_an_id_with_or_without_prefix_then_same_stream() -> None:
    assert transfer_stream("t-1") == transfer_stream("transfer-t-1") == "transfer-t-1"
    assert account_stream("growth") == "account-growth"
