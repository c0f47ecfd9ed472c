"""Ticks into one-minute bars, closed on the minute by the desk clock.

Pure: ticks and the desk's time come in, facts go out (`BarClosed` at the bar's fixed slot
in its day's stream, exactly where the sample day puts its bars; `InputRejected` for a tick
that came after its bar closed or that carries no price; `FeedGapFlagged` for minutes the
feed could not see). Feeding the same ticks twice yields the same facts, so the store's
write-once streams make a replayed or reconnected feed add nothing.

OHLC come from the last traded price; volume from the cumulative volume the feed reports
(the bar's highest cumulative volume less the one at the previous bar's close), or, for a
mode without one, the sum of the last trade quantities. A tick repeated verbatim is
counted and dropped; a tick older than the bar's latest moves its high and low but not its
close.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import ValidationError

from domain.events import BarClosed, FeedGapFlagged, InputRejected
from domain.ids import bars_stream, feed_gap_stream, rejected_input_stream
from domain.inputs import InputFact
from domain.session import IST
from domain.ticks import MS_PER_MINUTE, Tick, describe, epoch_ms, rupees, utc_ms

BAR_MINUTE = timedelta(minutes=1)


def bar_slot(start: datetime) -> int:
    """A bar's position in its day's stream: its start's minute of the IST day, from 1."""
    local = start.astimezone(IST)
    return local.hour * 60 + local.minute + 1


class _OpenBar:
    """The bar being built for one symbol (mutable: it takes every tick of its minute)."""

    __slots__ = ("base", "close", "high", "last_ms", "low", "max_cum", "minute", "open",
                 "qty")

    def __init__(self, minute: int, tick: Tick, base: int | None) -> None:
        self.minute = minute
        self.open = self.high = self.low = self.close = tick.ltp_paise
        self.last_ms = tick.at_ms
        self.base = base
        self.max_cum = tick.cum_volume
        self.qty = tick.last_qty


@dataclass
class _Symbol:
    """One symbol's state between ticks."""

    bar: _OpenBar | None = None
    closed_through: int | None = None  # the last closed bar's minute (epoch minutes)
    cum_at_close: int | None = None  # cumulative volume when that bar closed
    last: Tick | None = None  # the last tick, to spot repeats


@dataclass
class BarBuilder:
    """Folds one feed's ticks into bars; `source` names the feed in each fact's actor."""

    feed: str
    symbols: dict[str, _Symbol] = field(default_factory=dict)
    clock_ms: int | None = None  # the desk time last seen by `close_due`
    duplicates: int = 0
    late: int = 0
    ticks: int = 0

    @property
    def source(self) -> str:
        """The actor recorded on this builder's facts."""
        return f"feed:{self.feed}"

    def on_tick(self, tick: Tick, out: list[InputFact]) -> None:
        """Take one tick; append to `out` any fact it settles (a bar it closes, a rejection)."""
        state = self.symbols.get(tick.symbol)
        if state is None:
            state = self.symbols[tick.symbol] = _Symbol()
        last = state.last
        if (last is not None and tick.at_ms == last.at_ms and tick.ltp_paise == last.ltp_paise
                and tick.cum_volume == last.cum_volume and tick.last_qty == last.last_qty):
            self.duplicates += 1
            return
        state.last = tick
        if tick.ltp_paise <= 0:
            out.append(self._rejected(tick, "price must be positive (no trade yet?)"))
            return
        minute = tick.at_ms // MS_PER_MINUTE
        if state.closed_through is not None and minute <= state.closed_through:
            self.late += 1
            closed = utc_ms((state.closed_through + 1) * MS_PER_MINUTE)
            out.append(self._rejected(
                tick, f"late tick: its bar {_hhmm(minute)} IST closed at {_hhmm_dt(closed)}"))
            return
        self.ticks += 1
        bar = state.bar
        if bar is not None and minute > bar.minute:
            out.append(self._close(tick.symbol, state))
            bar = None
        if bar is None:
            base = state.cum_at_close
            if base is None and tick.cum_volume is not None:
                base = tick.cum_volume - tick.last_qty
            state.bar = _OpenBar(minute, tick, base)
            return
        price = tick.ltp_paise
        if price > bar.high:
            bar.high = price
        elif price < bar.low:
            bar.low = price
        if tick.at_ms >= bar.last_ms:
            bar.close = price
            bar.last_ms = tick.at_ms
        bar.qty += tick.last_qty
        cum = tick.cum_volume
        if cum is not None and (bar.max_cum is None or cum > bar.max_cum):
            bar.max_cum = cum

    def close_due(self, now: datetime, out: list[InputFact], watch_jumps: bool = True) -> None:
        """The desk clock reads `now`: close every bar whose minute has ended. A clock that
        jumped more than a minute ahead is flagged as a gap (unless not `watch_jumps`: a
        clock the feeds move jumps by nature); one that went back is ignored."""
        now_ms = epoch_ms(now)
        previous = self.clock_ms
        if previous is not None and now_ms <= previous:
            return
        self.clock_ms = now_ms
        if watch_jumps and previous is not None and now_ms - previous > 2 * MS_PER_MINUTE:
            out.append(self.gap(utc_ms(previous), now,
                                "desk clock jumped ahead: minutes between were not watched"))
        for symbol, state in self.symbols.items():
            bar = state.bar
            if bar is not None and (bar.minute + 1) * MS_PER_MINUTE <= now_ms:
                out.append(self._close(symbol, state))

    def gap(self, start: datetime, end: datetime, reason: str) -> InputFact:
        """A stretch the feed did not see, as a fact."""
        flagged = FeedGapFlagged(feed=self.feed, start=start, end=end, reason=reason)
        return InputFact(feed_gap_stream(self.feed, start), 1, flagged, end, self.source)

    def undecodable(self, frame: bytes, reason: str, at: datetime) -> InputFact:
        """A frame the feed sent that could not be read, kept as base64 with the reason."""
        raw = base64.b64encode(frame[:70_000]).decode("ascii")
        return InputFact(rejected_input_stream(self.feed, raw), 1,
                         InputRejected(source=self.feed, reason=reason, raw=raw), at,
                         self.source)

    def _close(self, symbol: str, state: _Symbol) -> InputFact:
        bar = state.bar
        assert bar is not None
        state.bar = None
        state.closed_through = bar.minute
        if bar.max_cum is not None and bar.base is not None:
            volume = max(bar.max_cum - bar.base, 0)
            state.cum_at_close = max(bar.max_cum, bar.base)
        else:
            volume = bar.qty
        start = utc_ms(bar.minute * MS_PER_MINUTE)
        try:
            closed = BarClosed(
                symbol=symbol, start=start, end=start + BAR_MINUTE, open=rupees(bar.open),
                high=rupees(bar.high), low=rupees(bar.low), close=rupees(bar.close),
                volume=volume,
            )
        except ValidationError as e:  # a symbol the desk cannot name: kept, with the reason
            raw = (f'{{"symbol": "{symbol}", "start": "{start.isoformat()}", "open": '
                   f'"{rupees(bar.open)}", "close": "{rupees(bar.close)}", "volume": {volume}}}')
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            reason = f"bar not recorded: {where}: {first['msg']}"
            return InputFact(rejected_input_stream(self.feed, raw), 1,
                             InputRejected(source=self.feed, reason=reason, raw=raw),
                             start + BAR_MINUTE, self.source)
        return InputFact(bars_stream(symbol, start), bar_slot(start), closed, closed.end,
                         self.source)

    def _rejected(self, tick: Tick, reason: str) -> InputFact:
        raw = describe(tick)
        return InputFact(rejected_input_stream(self.feed, raw), 1,
                         InputRejected(source=self.feed, reason=reason, raw=raw),
                         utc_ms(tick.at_ms), self.source)


def _hhmm(minute: int) -> str:
    return _hhmm_dt(utc_ms(minute * MS_PER_MINUTE))


def _hhmm_dt(at: datetime) -> str:
    return f"{at.astimezone(IST):%H:%M}"
