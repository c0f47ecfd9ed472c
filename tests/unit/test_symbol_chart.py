"""The symbol page's figures from a small log: TCS's bars with the strategies' features,
the news linked to TCS (by its own symbols or by the tagger), its signal, and a card that
filled its entry and then its target; and the chart drawn from them."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

from adapters.reports.symbol_chart import symbol_chart
from domain.events import (
    AnnouncementArrived,
    BarClosed,
    CardApproved,
    NewsArrived,
    NewsTagged,
)
from domain.live_features import SymbolFeatures
from domain.values import Leg
from projections.symbol_chart import ATR_BAND_MULTIPLE, symbol_series
from tests.unit.conftest import T0, D, Log, bar, fill, placed, proposal, signal

DAY = T0.date()  # Monday 6 Jan 2025; T0 is 09:30 IST


def _bars(log: Log, symbol: str, count: int, start: datetime = T0, base: float = 500) -> None:
    for i in range(count):
        close = base + (i % 7) - 3 + i * 0.2
        price = f"{close:.2f}"
        log.add(
            bar(
                price,
                f"{close + 1.5:.2f}",
                f"{close - 1.5:.2f}",
                price,
                start=start + timedelta(minutes=i),
                symbol=symbol,
            ),
            f"bars-{symbol}",
            start + timedelta(minutes=i + 1),
        )


def _news(log: Log, n: int, headline: str, symbols: tuple[str, ...] = ()) -> None:
    log.add(
        NewsArrived(
            source_id=f"n-{n}",
            source="wire",
            published_at=T0,
            headline=headline,
            symbols=symbols,
            category="corporate",
        ),
        f"news-{n}",
        T0,
    )


def _day_log() -> Log:
    log = Log()
    _bars(log, "TCS", 60)
    _bars(log, "INFY", 30, base=1500)
    _news(log, 1, "TCS wins a large deal", ("TCS",))
    _news(log, 2, "Infosys guidance", ("INFY",))
    _news(log, 3, "IT majors rally")  # no symbols of its own: the tagger links it to TCS
    log.add(
        NewsTagged(
            source_event=log.events[-1].event_id,
            category="sector",
            symbols=("TCS",),
            confidence="high",
            ambiguous=False,
            reasons=("it",),
            rules_version="t",
        ),
        "tags-3",
        T0,
    )
    log.add(
        AnnouncementArrived(
            source_id="a-1",
            source="NSE",
            published_at=T0,
            headline="TCS - Buyback",
            symbol="TCS",
            category="Buyback",
        ),
        "ann-1",
        T0,
    )
    at = T0 + timedelta(minutes=30)
    log.add(signal(), "signal-1", at)
    log.add(proposal(), "card-1", at)
    log.add(
        CardApproved(card_id="card-1", account_id="acc-1", approved_by="operator:amy"), "card-1", at
    )
    log.add(placed(), "order-1", at)
    log.add(fill(Leg.ENTRY, "500.10"), "order-1", at + timedelta(minutes=1))
    log.add(fill(Leg.TARGET, "530.00"), "order-1", at + timedelta(minutes=20))
    return log


def test_series_when_a_card_filled_then_its_prices_fills_news_and_signal_are_on_tcs() -> None:
    series = symbol_series(_day_log().events, "TCS", None)

    assert series.day == DAY and len(series.bars) == 60 and series.bars_in_log == 60
    (card,) = series.cards
    assert (card.entry, card.stop, card.target) == (D("500"), D("490"), D("530"))
    assert card.status == "APPROVED" and card.reason == "by operator:amy"
    assert [(f.leg, f.price) for f in card.fills] == [
        ("ENTRY", D("500.10")),
        ("TARGET", D("530.00")),
    ]
    assert {n.headline for n in series.news} == {
        "TCS wins a large deal",
        "IT majors rally",
        "TCS - Buyback",
    }
    assert {n.kind for n in series.news} == {"news", "announcement"}
    (scored,) = series.signals
    assert scored.outcome == "scored" and scored.reference_price == D("500")


def test_series_when_features_computed_then_they_equal_what_the_strategies_read() -> None:
    log = _day_log()
    live = SymbolFeatures()
    for e in log.events:
        p = e.payload
        if isinstance(p, BarClosed) and p.symbol == "TCS":
            live.update(
                p.start, float(p.open), float(p.high), float(p.low), float(p.close), float(p.volume)
            )

    last = symbol_series(log.events, "TCS", DAY).bars[-1]
    seen = live.latest()

    assert last.sma == round(seen.sma_20, 4) and last.ema == round(seen.ema_20, 4)  # type: ignore[arg-type]
    assert last.atr == round(seen.atr_14, 4) and last.rsi == round(seen.rsi_14, 4)  # type: ignore[arg-type]
    assert last.band_upper is not None and last.sma is not None and last.atr is not None
    assert abs(last.band_upper - (last.sma + ATR_BAND_MULTIPLE * last.atr)) < 1e-3


def test_series_when_one_day_of_two_then_features_warm_up_from_the_day_before() -> None:
    log = Log()
    _bars(log, "TCS", 30)
    _bars(log, "TCS", 30, start=T0 + timedelta(days=1))
    next_day = DAY + timedelta(days=1)

    one = symbol_series(log.events, "TCS", next_day, days=1)
    both = symbol_series(log.events, "TCS", next_day, days=2)
    earlier = symbol_series(log.events, "TCS", date(2024, 12, 31))

    assert len(one.bars) == 30 and one.bars[0].sma is not None  # warmed by yesterday's bars
    assert len(both.bars) == 60 and both.start == DAY and both.bars[0].sma is None
    assert earlier.bars == [] and earlier.bars_in_log == 60


def test_chart_when_drawn_then_candles_features_news_cards_and_fills_are_in_its_legend() -> None:
    item = symbol_chart(symbol_series(_day_log().events, "TCS", None))

    text = json.dumps(item)
    assert item["target_id"] == "symbol-chart"
    for label in (
        "candles",
        "SMA 20",
        "EMA 20",
        "news / announcements",
        "signals",
        "card entry",
        "card stop",
        "card target",
        "fills",
        "RSI 14",
    ):
        assert label in text, label
    assert str(Decimal("530.0")) in text  # the target fill's price, on the chart
