"""Admitting a live news item or filing: link its instrument references, then take it once.

An item names instruments by NSE symbol, ISIN or alias; every reference must resolve, or
the item is rejected naming the ones that did not. It is then taken once: the same
(source, source id) with the same content is a duplicate, with other content a conflict
(rejected: a source may not rewrite what the desk already acted on), and the same content
under another id (a story two wires carry) a duplicate of the first. Pure: the caller
brings what the log has seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from domain.events import AnnouncementArrived, NewsArrived
from domain.ids import StreamId, feed_item_stream
from domain.instruments import Instrument

MAX_REFERENCES = 20
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # tabs and line breaks allowed


class SubmittedItem(BaseModel):
    """One item as a source sends it (webhook body, poller); strict about unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["news", "announcement"] = "news"
    source: Annotated[str, StringConstraints(min_length=1, max_length=100,
                                             pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.:/-]*$")]
    source_id: Annotated[str, StringConstraints(min_length=1, max_length=200,
                                                pattern=r"^[!-~]+$")]
    published_at: AwareDatetime
    headline: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=1_000, pattern=_TEXT)]
    body: Annotated[str, StringConstraints(max_length=20_000, pattern=_TEXT)] = ""
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=100)] = "news"
    symbols: Annotated[tuple[Annotated[str, StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100)], ...],
        Field(max_length=MAX_REFERENCES,
              description="instruments by NSE symbol, ISIN or alias")] = ()
    isin: Annotated[str, StringConstraints(pattern=r"^IN[A-Z0-9]{10}$")] | None = None


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Admission:
    """What became of one item: accepted with its event, a duplicate, or rejected (why)."""

    outcome: Outcome
    stream_id: StreamId
    reason: str = ""
    payload: NewsArrived | AnnouncementArrived | None = None


@dataclass(frozen=True)
class InstrumentDirectory:
    """Instrument references to NSE symbols: symbols and ISINs exact, aliases any case."""

    by_symbol: frozenset[str]
    by_isin: Mapping[str, str]
    by_alias: Mapping[str, str]  # casefolded alias (or company name) -> symbol

    @classmethod
    def of(cls, instruments: Iterable[Instrument],
           aliases: Iterable[tuple[str, Iterable[str]]] = ()) -> InstrumentDirectory:
        """The directory of `instruments`, with the tagging rules' aliases per symbol; a
        name that several symbols share is ambiguous and left out."""
        listed = list(instruments)
        known = {i.symbol for i in listed}
        named: dict[str, set[str]] = {}
        spellings = [(i.symbol, (i.name,)) for i in listed if i.name] + list(aliases)
        for symbol, names in spellings:
            for name in names:
                if symbol in known:
                    named.setdefault(name.casefold(), set()).add(symbol)
        by_alias = {name: next(iter(s)) for name, s in named.items() if len(s) == 1}
        return cls(frozenset(known), {i.isin: i.symbol for i in listed if i.isin}, by_alias)

    def resolve(self, reference: str) -> str | None:
        """The NSE symbol `reference` names, or None."""
        if reference in self.by_symbol:
            return reference
        return self.by_isin.get(reference) or self.by_alias.get(reference.casefold())


@dataclass
class SeenItems:
    """What the log holds of live items: content hash per (source, source id), and the
    first (source, source id) per content hash. Grown by `note`, one item at a time."""

    by_source_id: dict[tuple[str, str], str] = field(default_factory=dict)
    by_hash: dict[str, tuple[str, str]] = field(default_factory=dict)

    def note(self, item: NewsArrived | AnnouncementArrived) -> None:
        """Remember an item the log now holds."""
        digest = content_hash(item)
        self.by_source_id.setdefault((item.source, item.source_id), digest)
        self.by_hash.setdefault(digest, (item.source, item.source_id))


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


def content_hash(item: NewsArrived | AnnouncementArrived) -> str:
    """What makes two items the same story: kind, headline, body and instruments (case and
    spacing aside); not the source, its id or the time a wire sent it."""
    if isinstance(item, AnnouncementArrived):
        parts = ["announcement", item.symbol]
    else:
        parts = ["news", *sorted(item.symbols)]
    parts += [_words(item.headline), _words(item.body)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _payload(item: SubmittedItem, symbols: tuple[str, ...]
             ) -> NewsArrived | AnnouncementArrived:
    common = {"source_id": item.source_id, "source": item.source,
              "published_at": item.published_at, "headline": item.headline,
              "body": item.body, "category": item.category}
    if item.kind == "announcement":
        return AnnouncementArrived(**common, symbol=symbols[0], isin=item.isin)
    return NewsArrived(**common, symbols=symbols)


def _link(item: SubmittedItem, directory: InstrumentDirectory
          ) -> tuple[tuple[str, ...], str]:
    """The item's symbols (each once, in order) or the reason they cannot be linked."""
    references = [*item.symbols, *([item.isin] if item.isin else [])]
    unknown = [r for r in references if directory.resolve(r) is None]
    if unknown:
        return (), f"unknown or ambiguous instrument(s): {', '.join(unknown)}"
    symbols = tuple(dict.fromkeys(s for r in references if (s := directory.resolve(r))))
    if item.kind == "announcement" and len(symbols) != 1:
        return (), (f"an announcement names exactly one instrument, got {len(symbols)}"
                    f"{': ' + ', '.join(symbols) if symbols else ''}")
    return symbols, ""


def admit(item: SubmittedItem, directory: InstrumentDirectory, seen: SeenItems) -> Admission:
    """Link and deduplicate one item against what the log has seen."""
    stream = feed_item_stream(item.kind, item.source, item.source_id)
    symbols, reason = _link(item, directory)
    if reason:
        return Admission(Outcome.REJECTED, stream, reason)
    payload = _payload(item, symbols)
    digest = content_hash(payload)
    known = seen.by_source_id.get((item.source, item.source_id))
    if known is not None:
        if known == digest:
            return Admission(Outcome.DUPLICATE, stream, "already received with this content")
        return Admission(Outcome.REJECTED, stream,
                         f"source id {item.source_id!r} of {item.source!r} was already "
                         "received with different content; send a new id for a correction")
    first = seen.by_hash.get(digest)
    if first is not None:
        return Admission(Outcome.DUPLICATE, feed_item_stream(item.kind, *first),
                         f"same content as {first[0]} item {first[1]!r}")
    return Admission(Outcome.ACCEPTED, stream, payload=payload)
