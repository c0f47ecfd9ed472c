"""Admitting live items: instrument links, duplicates by id and by content, conflicts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.instruments import Instrument
from domain.news import InstrumentDirectory, Outcome, SeenItems, SubmittedItem, admit

INSTRUMENTS = [
    Instrument("TCS", "INE467B01029", "Tata Consultancy Services Limited", "IT", 1,
               Decimal("0.10")),
    Instrument("TATASTEEL", "INE081A01020", "Tata Steel Limited", "Metals", 1,
               Decimal("0.01")),
]
DIRECTORY = InstrumentDirectory.of(INSTRUMENTS, [("TCS", ("Tata",)), ("TATASTEEL", ("Tata",))])


def submitted(**overrides: Any) -> SubmittedItem:
    fields: dict[str, Any] = {"kind": "news", "source": "Wire", "source_id": "w-1",
                              "published_at": "2026-11-27T10:00:00+05:30",
                              "headline": "TCS wins a large deal", "symbols": ["TCS"]}
    return SubmittedItem.model_validate(fields | overrides)


def test_admit_when_an_alias_names_two_symbols_then_rejected_as_ambiguous() -> None:
    admission = admit(submitted(symbols=["Tata"]), DIRECTORY, SeenItems())

    assert admission.outcome is Outcome.REJECTED
    assert admission.reason == "unknown or ambiguous instrument(s): Tata"


def test_admit_when_an_announcement_names_two_instruments_then_rejected() -> None:
    admission = admit(submitted(kind="announcement", symbols=["TCS", "INE081A01020"]),
                      DIRECTORY, SeenItems())

    assert admission.outcome is Outcome.REJECTED
    assert "exactly one instrument, got 2: TCS, TATASTEEL" in admission.reason


def test_admit_when_content_differs_only_in_case_and_spacing_then_duplicate() -> None:
    seen = SeenItems()
    first = admit(submitted(), DIRECTORY, seen)
    assert first.payload is not None
    seen.note(first.payload)

    again = admit(submitted(source="Other", source_id="o-9",
                            headline="  tcs WINS a large   deal"), DIRECTORY, seen)

    assert again.outcome is Outcome.DUPLICATE
    assert again.stream_id == first.stream_id


def test_admit_when_two_sources_share_an_id_then_each_has_its_own_stream() -> None:
    seen = SeenItems()
    first = admit(submitted(), DIRECTORY, seen)
    assert first.payload is not None
    seen.note(first.payload)

    other = admit(submitted(source="Other", headline="Tata Steel cuts prices",
                            symbols=["TATASTEEL"]), DIRECTORY, seen)

    assert other.outcome is Outcome.ACCEPTED
    assert other.stream_id != first.stream_id


@given(headline=st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs")),
                        min_size=1, max_size=80).filter(lambda t: t.strip()),
       body=st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs")),
                    max_size=200),
       source_id=st.from_regex(r"[A-Za-z0-9._:-]{1,40}", fullmatch=True))
def test_admit_when_any_item_is_sent_twice_then_accepted_once_then_duplicate(
    headline: str, body: str, source_id: str,
) -> None:
    seen = SeenItems()
    item = submitted(headline=headline, body=body, source_id=source_id)

    first = admit(item, DIRECTORY, seen)
    assert first.outcome is Outcome.ACCEPTED and first.payload is not None
    seen.note(first.payload)
    again = admit(item, DIRECTORY, seen)
    respaced = admit(submitted(headline="  " + "   ".join(headline.split()) + " ", body=body,
                               source_id=source_id + "-b"), DIRECTORY, seen)

    assert again.outcome is Outcome.DUPLICATE
    assert again.stream_id == first.stream_id
    assert respaced.outcome is Outcome.DUPLICATE
