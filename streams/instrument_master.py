"""Loading a broker's daily instrument file into the log, and reading the master of a day.

Only instruments that are new or changed get a version (stream `instrument-<SYMBOL>`, next
version), so loading the same file twice, or tomorrow's mostly identical file, adds little.
Rows that cannot be read are logged as `InputRejected` with the reason. The master of a day
is each instrument's version in force then, with its ADV from the bars logged before it.

`DatedInstruments` is that master as the desk's reactions read it: a fact of day D is sized
and priced with the lot size, tick size and ISIN in force on D, so re-running day D after a
newer master was loaded decides as the desk did on D.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from adapters.eventstore.store import DeskStore
from adapters.files.instrument_master import ParsedFile
from domain.events import BarClosed, InputRejected, InstrumentListed
from domain.ids import instrument_stream, rejected_input_stream
from domain.inputs import InputFact
from domain.instrument_master import as_of, changed
from domain.instruments import Instrument
from domain.session import IST, ist
from projections.daily_value import DailyValues, adv_before, folded
from projections.daily_value import apply as add_bar
from streams.ports import DeskRuntime

# What the dated master is made of: the master's versions, and the bars its ADV comes from.
WATCHED = (InstrumentListed.event_type, BarClosed.event_type)

# A daily file is published before the pre-open; its versions count from this time.
EFFECTIVE_AT = time(8, 0)


@dataclass(frozen=True)
class Loaded:
    """What a load did: new or changed versions, unchanged instruments, refused rows."""

    listed: int
    unchanged: int
    rejected: int
    skipped: int


def versions(store: DeskStore) -> dict[str, list[InstrumentListed]]:
    """Every logged version, per symbol, in log order."""
    found: dict[str, list[InstrumentListed]] = defaultdict(list)
    for rec in store.read_all(types=(InstrumentListed.event_type,)):
        payload = rec.event.payload
        if isinstance(payload, InstrumentListed):
            found[payload.symbol].append(payload)
    return dict(found)


def load_file(store: DeskStore, runtime: DeskRuntime, parsed: ParsedFile, day: date,
              actor: str) -> Loaded:
    """Log the file's new and changed instruments (effective `day`) and its refused rows."""
    logged = versions(store)
    latest = {symbol: history[-1] for symbol, history in logged.items()}
    new = changed(latest, parsed.listed)
    at = datetime.combine(day, EFFECTIVE_AT, IST)
    facts = [InputFact(instrument_stream(v.symbol), len(logged.get(v.symbol, ())) + 1, v, at,
                       actor) for v in new]
    source = parsed.listed[0].source if parsed.listed else actor
    facts += [InputFact(rejected_input_stream("instruments", f"{source}\x1f{text}"), 1,
                        InputRejected(source=f"{source} {where}", reason=reason, raw=text),
                        at, actor)
              for where, reason, text in parsed.rejected]
    if facts:
        runtime.ingest(facts)
    return Loaded(len(new), len(parsed.listed) - len(new), len(parsed.rejected), parsed.skipped)


def master_of_day(store: DeskStore, day: date) -> dict[str, Instrument]:
    """The instrument master in force on `day`, with ADV from the bars logged before it."""
    bars = (rec.event.payload for rec in store.read_all(types=(BarClosed.event_type,))
            if isinstance(rec.event.payload, BarClosed))
    return as_of(versions(store), day, adv_before(folded(bars), day))


class DatedInstruments:
    """The instrument master in force on the day of each fact, from the versions in the
    log; symbols the log has no version of keep their entry in `fallback` (the instruments
    file the desk started with). A symbol's ADV is the one its logged bars of earlier days
    give (`projections.daily_value`), else `fallback`'s.

    A day's master is worked out once, on its first fact, so bars backfilled for earlier
    days while it runs do not change how the rest of that day is sized."""

    def __init__(self, store: DeskStore, fallback: Mapping[str, Instrument]) -> None:
        self._store = store
        self._fallback = fallback
        self._versions: dict[str, list[InstrumentListed]] = defaultdict(list)
        self._after = 0  # log position read through
        self._read_for: datetime | None = None
        self._days: dict[date, dict[str, Instrument]] = {}
        self._traded = DailyValues()

    def on(self, at: datetime) -> Mapping[str, Instrument]:
        """The master of `at`'s IST day (new versions are looked for once per instant)."""
        if at != self._read_for:
            self._read_for = at
            self._catch_up()
        day = ist(at).date()
        master = self._days.get(day)
        if master is None:
            adv = {s: i.adv_value for s, i in self._fallback.items() if i.adv_value is not None}
            adv |= adv_before(self._traded, day)
            fallback = {s: replace(i, adv_value=adv.get(s)) for s, i in self._fallback.items()}
            master = self._days[day] = {**fallback, **as_of(self._versions, day, adv)}
        return master

    def _catch_up(self) -> None:
        head = self._store.head()  # read through at least here: no rescan of older facts
        for rec in self._store.read_all(self._after, types=WATCHED):
            head = max(head, rec.position)
            payload = rec.event.payload
            if isinstance(payload, InstrumentListed):
                self._versions[payload.symbol].append(payload)
                self._days.clear()
            elif isinstance(payload, BarClosed):
                add_bar(self._traded, payload)
        self._after = head

