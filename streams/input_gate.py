"""The gate every outside fact passes before it is logged: what it lets in, folds or refuses.

A fact already given (same stream and version, same content) is folded into the first, in
one instant or across feeds. Everything else that cannot be logged as-is becomes an
`InputRejected` event with the reason, never a crash and never silence:
- a re-sent id with other content (in one instant or later), and a late bar (its day's
  stream has moved past its minute);
- a symbol the desk does not know (named);
- a price above the absolute ceiling, outside the instrument's circuit limits when known,
  or more than `band_pct` from the last close;
- a timestamp beyond the wall clock plus a tolerance (a 2030 news item must not move the
  desk's clock to 2030).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from adapters.eventstore.store import DeskStore
from domain.events import (
    AnnouncementArrived,
    BarClosed,
    InputRejected,
    InstrumentListed,
    NewsArrived,
    Payload,
)
from domain.ids import rejected_input_stream
from domain.inputs import MAX_SHARE_PRICE as MAX_PRICE
from domain.inputs import InputFact
from domain.instruments import REFERENCE_INDICES

DEFAULT_BAND_PCT = Decimal("20")  # NSE's widest price band for equities
FUTURE_TOLERANCE = timedelta(minutes=2)


def wall_now() -> datetime:
    """Real time, whatever the desk's clock says (a backtest's clock is in the past)."""
    return datetime.now(UTC)


@dataclass
class InputGate:
    """Screens facts before they are logged; remembers the last close it let in per symbol."""

    symbols: Collection[str] | None = None  # the instruments the desk knows; None: any
    band_pct: Decimal = DEFAULT_BAND_PCT
    circuit: Mapping[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    future_tolerance: timedelta = FUTURE_TOLERANCE
    wall: Callable[[], datetime] = wall_now
    last_close: dict[str, Decimal] = field(default_factory=dict)

    def screen(self, facts: Iterable[InputFact], store: DeskStore) -> list[InputFact]:
        """The facts to log, in order: the new ones that pass, and a rejection for each
        that does not. Facts already logged (or given twice) as they are add nothing."""
        facts = list(facts)
        logged = store.versions(f.stream_id for f in facts) if facts else {}
        given: dict[tuple[str, int], Payload] = {}
        out: list[InputFact] = []
        for fact in facts:
            reason = self._repeat(fact, given, logged, store)
            if reason == _FOLDED:
                continue
            given.setdefault((fact.stream_id, fact.version), fact.payload)
            reason = reason or self._content(fact)
            if reason is None:
                out.append(fact)
                if isinstance(fact.payload, BarClosed):
                    self.last_close[fact.payload.symbol] = fact.payload.close
                elif isinstance(fact.payload, InstrumentListed) and self.symbols is not None:
                    # The master grew (`desk instruments load`): its items are now known.
                    self.symbols = {*self.symbols, fact.payload.symbol}
                continue
            rejection = self._rejection(fact, reason)
            # The same refusal again (a re-fed file) is already logged: nothing new.
            if all(r.stream_id != rejection.stream_id for r in out) and not store.versions(
                    [rejection.stream_id]):
                out.append(rejection)
        return out

    def _repeat(self, fact: InputFact, given: Mapping[tuple[str, int], Payload],
                logged: Mapping[str, int], store: DeskStore) -> str | None:
        """`_FOLDED` for a fact given before as it is; a reason when it conflicts or is late."""
        earlier = given.get((fact.stream_id, fact.version))
        if earlier is not None:
            return _FOLDED if earlier == fact.payload else (
                f"conflicting duplicate: {fact.stream_id} v{fact.version} was given twice in "
                "one instant with different content; the first was kept")
        if logged.get(fact.stream_id, 0) < fact.version:
            return None
        stored = store.event_at(fact.stream_id, fact.version)
        if stored is None:
            return (f"late: {fact.stream_id} already holds v{logged[fact.stream_id]}, past "
                    f"this fact's v{fact.version} (desk time {fact.occurred_at.isoformat()})")
        if stored.payload == fact.payload:
            return _FOLDED
        return (f"conflicting duplicate: {fact.stream_id} v{fact.version} was logged at "
                f"{stored.occurred_at.isoformat()} with different content; it is kept")

    def _content(self, fact: InputFact) -> str | None:
        """Why this new fact cannot be logged, or None."""
        payload = fact.payload
        unknown = [s for s in _symbols(payload) if self.symbols is not None
                   and s not in self.symbols and s not in REFERENCE_INDICES]
        if unknown:
            return f"unknown symbol(s): {', '.join(unknown)} (not an instrument of this desk)"
        limit = self.wall() + self.future_tolerance
        if fact.occurred_at > limit:
            return (f"timestamp {fact.occurred_at.isoformat()} is beyond the wall clock plus "
                    f"{self.future_tolerance} ({limit.isoformat()})")
        if isinstance(payload, BarClosed):
            return self._price(payload)
        return None

    def _price(self, bar: BarClosed) -> str | None:
        prices = {"open": bar.open, "high": bar.high, "low": bar.low, "close": bar.close}
        if bar.high > MAX_PRICE:
            return f"price {bar.high} is above the ceiling of {MAX_PRICE} a share"
        lower, upper = self.circuit.get(bar.symbol, (Decimal(0), MAX_PRICE))
        outside = {k: v for k, v in prices.items() if not lower <= v <= upper}
        if outside:
            name, value = next(iter(outside.items()))
            return (f"{name} {value} is outside {bar.symbol}'s circuit limits "
                    f"{lower} to {upper}")
        last = self.last_close.get(bar.symbol)
        if last is None:
            return None
        band = last * self.band_pct / 100
        for name, value in prices.items():
            if abs(value - last) > band:
                move = (value - last) / last * 100
                return (f"{name} {value} is {move:+.1f}% from the last close {last} "
                        f"(band ±{self.band_pct}%)")
        return None

    def _rejection(self, fact: InputFact, reason: str) -> InputFact:
        source = fact.source.removeprefix("feed:")
        raw = f"{fact.stream_id} v{fact.version} {fact.payload.model_dump_json()}"[:100_000]
        # Never at the fact's own time when that is in the future: it would move the clock.
        at = min(fact.occurred_at, self.wall())
        return InputFact(rejected_input_stream(source, f"{reason}\n{raw}"), 1,
                         InputRejected(source=source, reason=reason, raw=raw), at, fact.source)


_FOLDED = "folded"


def _symbols(payload: Payload) -> tuple[str, ...]:
    if isinstance(payload, BarClosed | AnnouncementArrived):
        return (payload.symbol,)
    if isinstance(payload, NewsArrived):
        return tuple(payload.symbols)
    return ()
