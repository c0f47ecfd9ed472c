"""Live news and filings into the desk: the one path the webhook and the pollers share.

Each item is checked (fields, instrument links, duplicates) and becomes an input fact:
`NewsArrived`/`AnnouncementArrived` when accepted, `InputRejected` with the reason when
not; the facts go through `DeskRuntime.ingest` like the sample day's, so the same
validation and reactions follow. Runs where writes are serialised (the API's gate).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from adapters.eventstore.store import DeskStore
from adapters.files.tagging_rules import load_tagging_rules
from domain.events import AnnouncementArrived, InputRejected, InstrumentListed, NewsArrived
from domain.ids import rejected_input_stream
from domain.inputs import InputFact
from domain.instruments import Instrument
from domain.news import Admission, InstrumentDirectory, Outcome, SeenItems, SubmittedItem, admit
from streams.bootstrap import AnyDesk
from streams.ports import Clock, DeskRuntime

ITEM_TYPES = (NewsArrived.event_type, AnnouncementArrived.event_type)
WATCHED_TYPES = (*ITEM_TYPES, InstrumentListed.event_type)
MAX_RAW = 100_000


@dataclass(frozen=True)
class ItemResult:
    """What became of one submitted item, as told back to the sender."""

    index: int
    outcome: Outcome
    stream_id: str
    reason: str = ""


def validation_reason(error: ValidationError) -> str:
    """The first problem of an item, naming its field."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "item"
    return f"{where}: {first['msg']}"


class NewsIntake:
    """Admits items against what the log holds, and writes them through the runtime."""

    def __init__(self, store: DeskStore, runtime: DeskRuntime, clock: Clock,
                 instruments: Mapping[str, Instrument],
                 aliases: Iterable[tuple[str, Iterable[str]]] = ()) -> None:
        self.store = store
        self.runtime = runtime
        self.clock = clock
        self.aliases = [(symbol, tuple(names)) for symbol, names in aliases]
        self.instruments = dict(instruments)
        self.directory = InstrumentDirectory.of(self.instruments.values(), self.aliases)
        self.seen = SeenItems()
        self._position = 0

    def catch_up(self) -> None:
        """Note the items logged since the last look (other feeds, a restart), and the
        instruments the master gained (`desk instruments load`)."""
        head = self.store.head()
        listed = False
        for rec in self.store.read_all(self._position, types=WATCHED_TYPES):
            payload = rec.event.payload
            if isinstance(payload, NewsArrived | AnnouncementArrived):
                self.seen.note(payload)
            elif isinstance(payload, InstrumentListed) and payload.symbol not in self.instruments:
                self.instruments[payload.symbol] = Instrument(
                    payload.symbol, payload.isin, payload.name, payload.sector,
                    payload.lot_size, payload.tick_size)
                listed = True
        if listed:
            self.directory = InstrumentDirectory.of(self.instruments.values(), self.aliases)
        self._position = max(self._position, head)

    def submit(self, items: Sequence[Any], channel: str) -> list[ItemResult]:
        """Admit each raw item (a JSON object) from `channel` (e.g. `webhook:reuters`):
        accepted ones and the rejections are logged in one ingest, duplicates only
        reported."""
        self.catch_up()
        received_at = self.clock()
        facts: list[InputFact] = []
        results: list[ItemResult] = []
        for index, raw in enumerate(items):
            admission = self._admit(raw)
            results.append(ItemResult(index, admission.outcome, admission.stream_id,
                                      admission.reason))
            if admission.payload is not None:
                self.seen.note(admission.payload)
                facts.append(InputFact(admission.stream_id, 1, admission.payload,
                                       admission.payload.published_at, channel))
            elif admission.outcome is Outcome.REJECTED:
                facts.append(_rejection(channel, admission.reason, raw, received_at))
                results[-1] = ItemResult(index, Outcome.REJECTED, facts[-1].stream_id,
                                         admission.reason)
        if facts:
            self.runtime.ingest(facts)
        self._position = max(self._position, self.store.head())
        return results

    def reject(self, channel: str, reason: str, raw: str) -> str:
        """Log a whole document from `channel` that could not be read; its stream id."""
        fact = _rejection(channel, reason, raw, self.clock())
        self.runtime.ingest([fact])
        return fact.stream_id

    def _admit(self, raw: Any) -> Admission:
        if not isinstance(raw, Mapping):
            return Admission(Outcome.REJECTED, rejected_input_stream("news", _text(raw)),
                             "item is not a JSON object")
        try:
            item = SubmittedItem.model_validate(raw)
        except ValidationError as e:
            return Admission(Outcome.REJECTED, rejected_input_stream("news", _text(raw)),
                             validation_reason(e))
        return admit(item, self.directory, self.seen)


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw[:MAX_RAW]
    return json.dumps(raw, sort_keys=True, default=str)[:MAX_RAW]


def _rejection(channel: str, reason: str, raw: Any, at: datetime) -> InputFact:
    text = _text(raw)
    source = channel.split(":", 1)[0] if ":" in channel else channel
    stream = rejected_input_stream(f"{source}-news", f"{reason}\x1f{text}")
    return InputFact(stream, 1, InputRejected(source=channel, reason=reason, raw=text), at,
                     channel)



def news_intake(desk: AnyDesk) -> NewsIntake:
    """The intake of `desk`: its instruments (and those the logged master adds), with the
    tagging rules' aliases."""
    return NewsIntake(desk.store, desk.runtime, desk.clock, desk.instruments,
                      load_tagging_rules().symbols.aliases)
