"""What the symbol page draws, gathered from the log: one symbol's bars over a range of IST
days, the features the strategies read (SMA/EMA, ATR bands, RSI, computed by
`domain.features` exactly as the strategies' twin computes them bar by bar), the news and
announcements linked to it, its signals, and each card's entry, stop and target with the
fills of its order.

    series = symbol_series(events, "INFY", day=date(2026, 11, 20), days=1)

Pure: the caller reads the events (`SERIES_TYPES` is all it needs) and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

import polars as pl

from domain.events import (
    AnnouncementArrived,
    BarClosed,
    CardApproved,
    CardExpired,
    CardProposed,
    CardRejected,
    Envelope,
    NewsArrived,
    NewsTagged,
    OrderDenied,
    OrderFilled,
    OrderPlaced,
    Recorded,
    SignalFiltered,
    SignalScored,
)
from domain.features import ATR_PERIOD, EMA_PERIOD, RSI_PERIOD, SMA_PERIOD, compute_features
from domain.session import IST, ist
from domain.symbol_chart import (
    ChartBar,
    ChartCard,
    ChartFill,
    NewsMarker,
    SignalMarker,
    SymbolSeries,
)

# The event types the page reads; a store can hand over only these.
SERIES_TYPES = (
    "BarClosed",
    "NewsArrived",
    "AnnouncementArrived",
    "NewsTagged",
    "SignalScored",
    "SignalFiltered",
    "CardProposed",
    "CardApproved",
    "CardRejected",
    "CardExpired",
    "OrderDenied",
    "OrderPlaced",
    "OrderFilled",
)
MAX_DAYS = 30  # the longest range drawn: a month of 1-minute bars is ~8k candles
# ATR bands around the SMA at the distance the mean-reversion strategy buys at
# (`close_sma_20_in_atr < -2.5` in data/playbooks/strategies.yaml).
ATR_BAND_MULTIPLE = 2.5
FEATURES = (f"sma_{SMA_PERIOD}", f"ema_{EMA_PERIOD}", f"atr_{ATR_PERIOD}", f"rsi_{RSI_PERIOD}")


@dataclass
class _Gathered:
    bars: list[BarClosed] = field(default_factory=list)
    feed: dict[UUID, Envelope] = field(default_factory=dict)  # news/announcements by id
    tagged: set[UUID] = field(default_factory=set)  # items the tagger linked to the symbol
    signals: list[SignalMarker] = field(default_factory=list)
    cards: dict[str, CardProposed] = field(default_factory=dict)
    card_at: dict[str, datetime] = field(default_factory=dict)
    decided: dict[str, tuple[str, str]] = field(default_factory=dict)  # status, reason
    orders: dict[str, str] = field(default_factory=dict)  # order -> card
    fills: dict[str, list[ChartFill]] = field(default_factory=dict)  # card -> fills


def _gather(events: Iterable[Recorded | Envelope], symbol: str) -> _Gathered:
    g = _Gathered()
    for item in events:
        e = item.event if isinstance(item, Recorded) else item
        p = e.payload
        match p:
            case BarClosed() if p.symbol == symbol:
                g.bars.append(p)
            case NewsArrived() | AnnouncementArrived():
                g.feed[e.event_id] = e
            case NewsTagged() if symbol in p.symbols:
                g.tagged.add(p.source_event)
            case SignalScored() if p.symbol == symbol:
                g.signals.append(
                    SignalMarker(
                        signal_id=p.signal_id,
                        at=e.occurred_at,
                        strategy=p.strategy,
                        strategy_version=p.strategy_version,
                        outcome="scored",
                        side=p.side,
                        score=p.score,
                        reference_price=p.reference_price,
                        stop=p.stop,
                        target=p.target,
                        reason=p.rationale,
                    )
                )
            case SignalFiltered() if p.symbol == symbol:
                g.signals.append(
                    SignalMarker(
                        signal_id=p.signal_id,
                        at=e.occurred_at,
                        strategy=p.strategy,
                        strategy_version=p.strategy_version,
                        outcome="filtered",
                        side=None,
                        score=None,
                        reference_price=None,
                        stop=None,
                        target=None,
                        reason=p.reason,
                    )
                )
            case CardProposed() if p.symbol == symbol:
                g.cards[p.card_id], g.card_at[p.card_id] = p, e.occurred_at
            case CardApproved():
                g.decided[p.card_id] = ("APPROVED", f"by {p.approved_by}")
            case CardRejected():
                g.decided[p.card_id] = ("REJECTED", p.reason)
            case CardExpired():
                g.decided[p.card_id] = ("EXPIRED", "")
            case OrderDenied():
                g.decided[p.card_id] = ("DENIED", p.reason)
            case OrderPlaced() if p.symbol == symbol:
                g.orders[p.order_id] = p.card_id
            case OrderFilled() if p.order_id in g.orders:
                g.fills.setdefault(g.orders[p.order_id], []).append(
                    ChartFill(
                        at=e.occurred_at,
                        order_id=p.order_id,
                        leg=p.leg,
                        side=p.side,
                        quantity=p.quantity,
                        price=p.price,
                    )
                )
    return g


def _linked(e: Envelope, symbol: str, tagged: set[UUID]) -> bool:
    p = e.payload
    own = (p.symbol,) if isinstance(p, AnnouncementArrived) else getattr(p, "symbols", ())
    return symbol in own or e.event_id in tagged


def _news(g: _Gathered, symbol: str) -> list[NewsMarker]:
    items = [e for e in g.feed.values() if _linked(e, symbol, g.tagged)]
    return [
        NewsMarker(
            event_id=e.event_id,
            at=e.payload.published_at,
            kind="announcement" if isinstance(e.payload, AnnouncementArrived) else "news",
            source=e.payload.source,
            category=e.payload.category,
            headline=e.payload.headline,
        )
        for e in items
        if isinstance(e.payload, NewsArrived | AnnouncementArrived)
    ]


def _rounded(value: object) -> float | None:
    return None if value is None else round(float(value), 4)  # type: ignore[arg-type]


def _chart_bars(bars: list[BarClosed], until: datetime) -> list[ChartBar]:
    """Every bar up to `until` with its features: the warm-up before the range counts,
    as it does for the strategies."""
    kept = sorted({b.start: b for b in bars if b.start < until}.values(), key=lambda b: b.start)
    if not kept:
        return []
    frame = compute_features(
        pl.DataFrame(
            {
                "symbol": [b.symbol for b in kept],
                "ts": [b.start for b in kept],
                "open": [float(b.open) for b in kept],
                "high": [float(b.high) for b in kept],
                "low": [float(b.low) for b in kept],
                "close": [float(b.close) for b in kept],
                "volume": [b.volume for b in kept],
            }
        )
    )
    sma, ema, atr, rsi = (frame[name].to_list() for name in FEATURES)
    rows = []
    for i, b in enumerate(kept):
        band = None if sma[i] is None or atr[i] is None else ATR_BAND_MULTIPLE * atr[i]
        rows.append(
            ChartBar(
                start=b.start,
                open=b.open,
                high=b.high,
                low=b.low,
                close=b.close,
                volume=b.volume,
                sma=_rounded(sma[i]),
                ema=_rounded(ema[i]),
                atr=_rounded(atr[i]),
                band_upper=None if band is None else _rounded(sma[i] + band),
                band_lower=None if band is None else _rounded(sma[i] - band),
                rsi=_rounded(rsi[i]),
            )
        )
    return rows


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants an IST day range covers: its first midnight to the one after."""
    return (
        datetime.combine(first, time(), IST),
        datetime.combine(last + timedelta(days=1), time(), IST),
    )


def symbol_series(
    events: Iterable[Recorded | Envelope], symbol: str, day: date | None, days: int = 1
) -> SymbolSeries:
    """The symbol's page over the `days` IST days ending `day` (default: the last day it
    has bars). `days` is clamped to 1..MAX_DAYS."""
    days = min(max(days, 1), MAX_DAYS)
    g = _gather(events, symbol)
    if day is None and g.bars:
        day = ist(max(b.start for b in g.bars)).date()
    empty = SymbolSeries(
        symbol=symbol,
        day=day,
        start=None,
        days=days,
        bars_in_log=len(g.bars),
        atr_band_multiple=ATR_BAND_MULTIPLE,
        bars=[],
        news=[],
        signals=[],
        cards=[],
    )
    if day is None:
        return empty
    first = day - timedelta(days=days - 1)
    since, until = _window(first, day)

    def within(at: datetime) -> bool:
        """Whether `at` falls in the range drawn."""
        return since <= at < until

    cards = [
        ChartCard(
            card_id=c.card_id,
            account_id=c.account_id,
            strategy=c.strategy,
            at=g.card_at[c.card_id],
            expires_at=c.expires_at,
            side=c.side,
            quantity=c.quantity,
            entry=c.reference_price,
            stop=c.stop,
            target=c.target,
            status=g.decided.get(c.card_id, ("PROPOSED", ""))[0],
            reason=g.decided.get(c.card_id, ("", ""))[1],
            fills=sorted(g.fills.get(c.card_id, []), key=lambda f: f.at),
        )
        for c in g.cards.values()
        if within(g.card_at[c.card_id])
    ]
    return empty.model_copy(
        update={
            "start": first,
            "bars": [b for b in _chart_bars(g.bars, until) if within(b.start)],
            "news": sorted((n for n in _news(g, symbol) if within(n.at)), key=lambda n: n.at),
            "signals": sorted((s for s in g.signals if within(s.at)), key=lambda s: s.at),
            "cards": sorted(cards, key=lambda c: c.at),
        }
    )
