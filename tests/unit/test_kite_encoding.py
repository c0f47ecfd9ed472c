"""Kite's form bodies and times, read and written the fast way, mean exactly what the
standard library's slower way means."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from adapters.brokers.zerodha.client import form_body
from adapters.brokers.zerodha.parsing import kite_time
from domain.session import IST


@given(st.dictionaries(st.text(), st.text()))
def test_form_body_when_any_text_is_sent_then_it_reads_as_urlencode_writes_it(
    form: dict[str, str],
) -> None:
    assert form_body(form) == urlencode(form)


def test_form_body_when_an_order_is_sent_then_plain_fields_stay_and_others_are_quoted() -> None:
    form = {"tradingsymbol": "M&M", "price": "1500.05", "tag": "ED0123", "note": "a b/c"}

    assert form_body(form) == "tradingsymbol=M%26M&price=1500.05&tag=ED0123&note=a+b%2Fc"


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)))
def test_kite_time_when_kite_sends_its_format_then_the_ist_moment_in_utc(moment: datetime) -> None:
    text = moment.strftime("%Y-%m-%d %H:%M:%S")

    expected = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST).astimezone(UTC)
    assert kite_time(text) == expected


@given(st.text(alphabet="0123456789-: T+", max_size=25))  # ASCII: Kite sends no other digit
def test_kite_time_when_the_text_is_not_kites_format_then_none_as_strptime_would_say(
    text: str,
) -> None:
    try:
        datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        zero_padded = len(text) == 19
    except ValueError:
        zero_padded = False

    assert (kite_time(text) is not None) == zero_padded


def test_kite_time_when_other_iso_shapes_arrive_then_none() -> None:
    assert [
        kite_time(t)
        for t in (
            "2026-03-02",
            "2026-03-02T09:15:00",
            "2026-03-02 09:15:00+05:30",
            "2026-02-30 09:15:00",
        )
    ] == [None, None, None, None]
