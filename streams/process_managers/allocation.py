"""Inputs to cards: news is tagged and event playbooks score it; every closed bar is
scanned by the bar strategies; each scored signal is meta-labelled, then every account
gets a sized card or the reason it does not.

Signal ids are deterministic (one per strategy, symbol and session for news; one per
strategy, symbol and bar for bar strategies), so a replay or a repeated item decides
nothing twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from domain import guardrails
from domain.aggregates import Cause, Signal, TradeCard
from domain.costs import product_for, round_trip_estimate
from domain.events import (
    AnnouncementArrived,
    BarClosed,
    CardBlocked,
    CardProposed,
    Envelope,
    NewsArrived,
    NewsTagged,
    SignalFiltered,
    SignalScored,
)
from domain.ids import bar_signal_id, card_id_for, news_signal_id, tag_stream
from domain.instruments import Instrument
from domain.live_features import FeatureValues
from domain.money import ZERO
from domain.session import entries_open
from domain.sizing import RiskModel, SizingRefused, size_long
from domain.strategy.book import RankBy, Strategy, StrategyBook
from domain.strategy.signals import Facts, event_side, score, triggered
from domain.tagging import Category, Tagger, Tagging, news_item
from domain.values import Mandate, Side
from projections.desk import DeskView
from projections.guard_facts import guard_context
from streams.unit_of_work import UnitOfWork

SESSION_BARS = 375  # 1-minute bars in a session: scales per-bar volatility to a day


@dataclass(frozen=True)
class Scored:
    signal: SignalScored
    event: Envelope


class Allocation:
    """News and bars -> signals (scored or filtered) -> a card or a reason per account."""

    name = "allocation"

    def __init__(self, instruments: Mapping[str, Instrument], book: StrategyBook,
                 tagger: Tagger) -> None:
        self.instruments = instruments
        self.book = book
        self.tagger = tagger

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        payload = event.payload
        if isinstance(payload, NewsArrived | AnnouncementArrived):
            batch = self._on_news(event, payload, view, uow)
        elif isinstance(payload, BarClosed):
            batch = self._on_bar(event, payload, view, uow)
        else:
            return
        if batch:
            self._allocate(batch, view, uow)

    # Signals -------------------------------------------------------------------------
    def _on_news(self, event: Envelope, item: NewsArrived | AnnouncementArrived,
                 view: DeskView, uow: UnitOfWork) -> list[Scored]:
        tagging = self.tagger.tag(news_item(item))
        tagger = uow.get(Signal, tag_stream(item.source_id))
        tagged = tagger.decide(_tagged(event, item, tagging), uow.cause("tagger"))
        strategy = self.book.for_category(tagging.category.value)
        if tagged is None or strategy is None:
            return []
        cause = replace(uow.cause(f"strategy:{strategy.name}"), causation_id=tagged.event_id)
        batch = []
        for symbol in tagging.symbols:
            signal_id = news_signal_id(strategy.name, symbol, event.occurred_at)
            values = self._values(view, symbol)
            reason = self._unscorable(symbol, view, event.occurred_at)
            if reason:
                self._decide(uow, signal_id, _filtered(strategy, signal_id, symbol, reason,
                                                       event), cause)
                continue
            side, why = event_side(strategy, values)
            facts = self._facts(strategy, signal_id, symbol, values, view, event,
                                event.occurred_at,
                                f"'{item.headline}' ({tagging.category}, "
                                f"{tagging.confidence} confidence)")
            batch += self._decide(uow, signal_id, score(strategy, self.book, facts, side, why),
                                  cause)
        return batch

    def _on_bar(self, event: Envelope, bar: BarClosed, view: DeskView,
                uow: UnitOfWork) -> list[Scored]:
        if not entries_open(event.occurred_at) or bar.symbol not in self.instruments:
            return []
        values = self._values(view, bar.symbol)
        batch: list[Scored] = []
        for strategy in self.book.bar_strategies:
            last = view.research.last_signal_bar.get(f"{strategy.name}:{bar.symbol}")
            if last is not None and values.bars - last < strategy.cooldown_bars:
                continue
            trigger = triggered(strategy, values)
            if trigger is None:
                continue
            signal_id = bar_signal_id(strategy.name, bar.symbol, bar.end)
            facts = self._facts(strategy, signal_id, bar.symbol, values, view, event, bar.end,
                                trigger)
            cause = uow.cause(f"strategy:{strategy.name}")
            batch += self._decide(uow, signal_id,
                                  score(strategy, self.book, facts, Side.BUY, "long setup"),
                                  cause)
        return batch

    def _values(self, view: DeskView, symbol: str) -> FeatureValues:
        tracker = view.research.features.get(symbol)
        return tracker.latest() if tracker else FeatureValues()

    def _facts(self, strategy: Strategy, signal_id: str, symbol: str, values: FeatureValues,
               view: DeskView, event: Envelope, catalyst_at: datetime, trigger: str) -> Facts:
        last = view.market[symbol]
        instrument = self.instruments[symbol]
        wins, losses = view.research.record(strategy.name, self.book.meta_label.hit_rate_window)
        return Facts(signal_id, symbol, instrument.sector, values, last.close, last.end,
                     catalyst_at, event.occurred_at, instrument.adv_value, wins, losses,
                     (event.event_id,), trigger)

    def _unscorable(self, symbol: str, view: DeskView, now: datetime) -> str:
        if symbol not in self.instruments:
            return f"unknown symbol {symbol}: not in the instrument master"
        if symbol not in view.market:
            return f"no bar yet for {symbol}: no reference price"
        if not entries_open(now):
            return "arrived outside the entry window (09:15-15:15 IST)"
        return ""

    def _decide(self, uow: UnitOfWork, signal_id: str, decision: SignalScored | SignalFiltered,
                cause: Cause) -> list[Scored]:
        recorded = uow.get(Signal, signal_id).decide(decision, cause)
        if recorded is None or not isinstance(decision, SignalScored):
            return []
        return [Scored(decision, recorded)]

    # Cards ---------------------------------------------------------------------------
    def _allocate(self, batch: list[Scored], view: DeskView, uow: UnitOfWork) -> None:
        for account_id in sorted(view.accounts):
            account = view.accounts[account_id]
            if account.mandate is None:
                continue
            policy = self.book.allocation.objectives[account.mandate.objective]
            cash = view.cash.get(account_id)
            budget = _uncommitted(view, account_id, cash.available if cash else ZERO)
            for scored in sorted(batch, key=lambda s: _rank(policy.rank_by, s.signal)):
                budget -= self._card_for(account_id, scored, view, uow, budget)

    def _card_for(self, account_id: str, scored: Scored, view: DeskView, uow: UnitOfWork,
                  available: Decimal) -> Decimal:
        """Propose or block one card; returns the cash the proposal would reserve."""
        signal = scored.signal
        account = view.accounts[account_id]
        mandate = account.mandate
        card = uow.get(TradeCard, card_id_for(account_id, signal.signal_id))
        if card.exists or mandate is None:
            return ZERO
        cause = replace(uow.cause(f"strategy:{signal.strategy}"),
                        causation_id=scored.event.event_id)
        strategy = self.book.strategies[signal.strategy]
        common = {"card_id": card.id, "account_id": account_id, "signal_id": signal.signal_id,
                  "symbol": signal.symbol, "evidence": signal.evidence}
        refusal = self._mandate_refusal(mandate, strategy, signal)
        if refusal:
            card.block(CardBlocked(**common, reason=refusal), cause)
            return ZERO
        equity = view.equity(account_id)
        instrument = self.instruments[signal.symbol]
        meta = signal.meta
        assert meta is not None
        tracker = view.research.features.get(signal.symbol)
        sigma = tracker.latest().realised_vol_20 if tracker else None
        model = RiskModel(
            vol_target_pct=self.book.allocation.objectives[mandate.objective].vol_target_pct,
            daily_sigma=(Decimal(repr(sigma * math.sqrt(SESSION_BARS))) if sigma else None),
            kelly_fraction=self.book.allocation.kelly_fraction, kelly=meta.kelly,
        )
        sizing = size_long(mandate, equity, available, signal.reference_price, signal.stop,
                           lot=instrument.lot_size, model=model)
        if isinstance(sizing, SizingRefused):
            card.block(CardBlocked(**common, reason=f"sizing: {sizing.reason}"), cause)
            return ZERO
        now = cause.occurred_at
        checks = guardrails.check(guardrails.CardFacts(
            sizing.quantity, signal.reference_price, sizing.reserve, equity, available,
            mandate, view.halted(account_id), now,
            guard_context(view, self.book, account_id, signal.symbol, signal.sector,
                          signal.strategy, signal.catalyst_at, instrument.adv_value),
        ))
        failed = [g for g in checks if not g.passed]
        if failed:
            reason = "; ".join(f"{g.name}: {g.detail}" for g in failed)
            card.block(CardBlocked(**common, reason=f"guardrail: {reason}", guardrails=checks),
                       cause)
            return ZERO
        product = product_for(mandate.horizon)
        ttl = timedelta(minutes=self.book.allocation.card_ttl_minutes)
        card.propose(
            CardProposed(
                **common, strategy=signal.strategy, side=signal.side,
                quantity=sizing.quantity, reference_price=signal.reference_price,
                stop=signal.stop, target=signal.target, horizon=mandate.horizon,
                expires_at=min(now + ttl, signal.expires_at),
                mandate_version=account.mandate_version,
                thesis=f"{signal.rationale} {meta.explanation}. Sized for {account.name} "
                f"({mandate.objective}, {mandate.horizon}, {product} product) under "
                f"{self.book.version}.",
                sizing=sizing.explanation,
                expected_cost=round_trip_estimate(
                    sizing.quantity, signal.reference_price, signal.target, product,
                    now.date(),
                ),
                guardrails=checks, sector=signal.sector, catalyst_at=signal.catalyst_at,
                meta=meta, adv_value=instrument.adv_value,
            ),
            cause,
        )
        return sizing.reserve

    def _mandate_refusal(self, mandate: Mandate, strategy: Strategy,
                         signal: SignalScored) -> str:
        if signal.side is Side.SELL:
            return (f"long-only desk: {strategy.name} is bearish on {signal.symbol}, and "
                    "cash equity is not sold short")
        if mandate.horizon not in strategy.horizons:
            allowed = ", ".join(h.value for h in strategy.horizons)
            return f"mandate: horizon {mandate.horizon} is not one {strategy.name} trades " \
                   f"({allowed})"
        if not mandate.allows_sector(signal.sector):
            return f"mandate: sector {signal.sector} not allowed"
        needed = self.book.allocation.objectives[mandate.objective].min_quality
        meta = signal.meta
        if meta is not None and meta.quality < Decimal(repr(needed)):
            return (f"objective {mandate.objective} takes quality {needed:g} or more; "
                    f"this signal is {meta.quality}")
        return ""


def _rank(rank_by: RankBy, signal: SignalScored) -> tuple[Decimal, str]:
    """Sort key, best first: the objective's measure, then the signal id for ties."""
    meta = signal.meta
    assert meta is not None
    if rank_by is RankBy.EDGE:
        measure = meta.edge_r
    elif rank_by is RankBy.BALANCE:
        measure = meta.edge_r * meta.quality
    else:
        measure = meta.quality - meta.p_stop
    return -measure, signal.signal_id


def _uncommitted(view: DeskView, account_id: str, available: Decimal) -> Decimal:
    """Available cash less what the account's waiting cards would reserve."""
    return available - view.research.waiting_reserve(account_id)


def _tagged(event: Envelope, item: NewsArrived | AnnouncementArrived,
            tagging: Tagging) -> NewsTagged:
    reasons = tuple(str(e) for e in tagging.evidence) + tagging.ambiguity
    text = f"{item.headline} {item.body}".lower()
    results_due = tagging.category is Category.BOARD_MEETING and "result" in text
    if results_due:
        reasons = (f"board meeting on results: '{item.headline}'", *reasons)
    return NewsTagged(
        source_event=event.event_id, category=tagging.category.value, symbols=tagging.symbols,
        confidence=tagging.confidence.value, ambiguous=tagging.ambiguous,
        reasons=reasons or ("no rule matched",), rules_version=tagging.rules_version,
        results_due=results_due,
    )


def _filtered(strategy: Strategy, signal_id: str, symbol: str, reason: str,
              event: Envelope) -> SignalFiltered:
    return SignalFiltered(signal_id=signal_id, strategy=strategy.name, symbol=symbol,
                          reason=reason, evidence=(event.event_id,))
