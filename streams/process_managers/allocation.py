"""Inputs to cards: news is tagged and event playbooks score it; every closed bar is
scanned by the bar strategies; each scored signal is meta-labelled, then every account
gets a sized card or the reason it does not.

Signal ids are deterministic (one per strategy, symbol and session for news; one per
strategy, symbol and bar for bar strategies), so a replay or a repeated item decides
nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from domain.aggregates import Cause, Signal, TradeCard
from domain.allocation import ProposalFacts, propose_card, rank_key
from domain.events import (
    AnnouncementArrived,
    BarClosed,
    CardBlocked,
    Envelope,
    NewsArrived,
    SignalFiltered,
    SignalScored,
)
from domain.ids import bar_signal_id, card_id_for, item_tag_stream, news_signal_id
from domain.instruments import Instrument
from domain.live_features import FeatureValues
from domain.money import ZERO
from domain.sizing import reserve_for
from domain.strategy.book import Kind, Strategy, StrategyBook
from domain.strategy.by_rule import decides_by_rule, score_by_rule, trigger
from domain.strategy.signals import Facts, event_side, score, triggered
from domain.tagging import Tagger, news_item, news_tagged
from domain.values import Side
from projections.desk import DeskView
from projections.guard_facts import guard_context
from projections.rule_positions import holds
from streams.strategy_runs import Run, running
from streams.unit_of_work import UnitOfWork

DatedMaster = Callable[[datetime], Mapping[str, Instrument]]
"""The instrument master in force at a time (`streams.instrument_master.DatedInstruments.on`)."""


@dataclass(frozen=True)
class Scored:
    """A scored signal with the event that recorded it (the cards' evidence)."""

    signal: SignalScored
    event: Envelope
    run: Run  # the strategy version that scored it, and the accounts it runs for


class Allocation:
    """News and bars -> signals (scored or filtered) -> a card or a reason per account."""

    name = "allocation"

    def __init__(self, instruments: Mapping[str, Instrument], book: StrategyBook,
                 tagger: Tagger, dated: DatedMaster | None = None) -> None:
        self.instruments = instruments
        self.book = book
        self.tagger = tagger
        self.dated = dated

    def master(self, at: datetime) -> Mapping[str, Instrument]:
        """The instruments in force at `at`: the master of its day when dated (a re-run of
        a day sizes with that day's lot sizes), else the fixed one."""
        return self.instruments if self.dated is None else self.dated(at)

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """News or a closed bar in; signals scored, then a card per compatible account."""
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
        tagger = uow.get(Signal, item_tag_stream(event.stream_id))
        tagged = tagger.decide(news_tagged(event.event_id, item, tagging), uow.cause("tagger"))
        runs = _playbook_runs(running(view, self.book, event.occurred_at),
                              tagging.category.value)
        if tagged is None or not runs:
            return []
        batch = []
        for run in runs:
            strategy = run.strategy
            cause = replace(uow.cause(f"strategy:{strategy.name}"),
                            causation_id=tagged.event_id)
            for symbol in tagging.symbols:
                signal_id = news_signal_id(run.signal_key, symbol, event.occurred_at)
                values = self._values(view, symbol)
                reason = self._unscorable(symbol, view, event.occurred_at) or \
                    self._off_schedule(run, event.occurred_at)
                if reason:
                    filtered = SignalFiltered(signal_id=signal_id, strategy=strategy.name,
                                              symbol=symbol, reason=reason,
                                              evidence=(event.event_id,),
                                              strategy_version=run.version_id)
                    self._decide(uow, signal_id, filtered, cause, run)
                    continue
                side, why = event_side(strategy, values)
                facts = self._facts(run, signal_id, symbol, values, view, event,
                                    event.occurred_at,
                                    f"'{item.headline}' ({tagging.category}, "
                                    f"{tagging.confidence} confidence)")
                batch += self._decide(uow, signal_id,
                                      score(strategy, run.book, facts, side, why), cause, run)
        return batch

    def _on_bar(self, event: Envelope, bar: BarClosed, view: DeskView,
                uow: UnitOfWork) -> list[Scored]:
        if not self.book.calendar.entries_open(event.occurred_at) or \
                bar.symbol not in self.master(event.occurred_at):
            return []
        values = self._values(view, bar.symbol)
        batch: list[Scored] = []
        for run in running(view, self.book, event.occurred_at):
            strategy = run.strategy
            if strategy.kind is not Kind.BARS:
                continue
            last = view.research.last_signal(strategy.name, bar.symbol)
            if last is not None and values.bars - last < strategy.cooldown_bars:
                continue
            trigger = self._trigger(strategy, values, view, bar.symbol)
            if trigger is None:
                continue
            signal_id = bar_signal_id(run.signal_key, bar.symbol, bar.end)
            if strategy.schedule.cron is not None:  # periodic: one signal per due time
                due = strategy.schedule.due(event.occurred_at)
                if due is None:
                    continue
                signal_id = bar_signal_id(run.signal_key, bar.symbol, due)
                if uow.get(Signal, signal_id).exists:
                    continue
            off = self._off_schedule(run, event.occurred_at)
            if off:  # triggered outside its schedule: the auditor sees the skip and why
                self._decide(uow, signal_id, SignalFiltered(
                    signal_id=signal_id, strategy=strategy.name, symbol=bar.symbol,
                    reason=off, evidence=(event.event_id,), strategy_version=run.version_id),
                    uow.cause(f"strategy:{strategy.name}"), run)
                continue
            facts = self._facts(run, signal_id, bar.symbol, values, view, event, bar.end,
                                trigger)
            cause = uow.cause(f"strategy:{strategy.name}")
            batch += self._decide(uow, signal_id, self._score(strategy, run.book, facts),
                                  cause, run)
        return batch

    def _trigger(self, strategy: Strategy, values: FeatureValues, view: DeskView,
                 symbol: str) -> str | None:
        """What fired: a rule strategy's clauses on this bar and the one before (one
        position at a time per strategy and symbol), else the level clauses as always."""
        if not decides_by_rule(strategy):
            return triggered(strategy, values)
        clauses = view.research.clauses.get(symbol)
        if clauses is None or holds(view, strategy.name, symbol):
            return None
        return trigger(strategy.when, clauses.before, clauses.now)

    def _score(self, strategy: Strategy, book: StrategyBook,
               facts: Facts) -> SignalScored | SignalFiltered:
        if decides_by_rule(strategy):
            return score_by_rule(strategy, book, facts)
        return score(strategy, book, facts, Side.BUY, "long setup")

    def _values(self, view: DeskView, symbol: str) -> FeatureValues:
        tracker = view.research.features.get(symbol)
        return tracker.latest() if tracker else FeatureValues()

    def _facts(self, run: Run, signal_id: str, symbol: str, values: FeatureValues,
               view: DeskView, event: Envelope, catalyst_at: datetime, trigger: str) -> Facts:
        last = view.market[symbol]
        instrument = self.master(event.occurred_at)[symbol]
        wins, losses = view.research.record(run.strategy.name,
                                            self.book.meta_label.hit_rate_window)
        return Facts(signal_id, symbol, instrument.sector, values, last.close, last.end,
                     catalyst_at, event.occurred_at, instrument.adv_value, wins, losses,
                     (event.event_id,), trigger, run.version_id)

    def _unscorable(self, symbol: str, view: DeskView, now: datetime) -> str:
        if symbol not in self.master(now):
            return f"unknown symbol {symbol}: not in the instrument master"
        if symbol not in view.market:
            return f"no bar yet for {symbol}: no reference price"
        if not self.book.calendar.entries_open(now):
            return f"arrived outside the entry window: {self.book.calendar.why_closed(now)}"
        return ""

    def _off_schedule(self, run: Run, at: datetime) -> str:
        closed = run.strategy.schedule.why_closed(at, self.book.calendar)
        return f"outside {run.strategy.name}'s schedule: {closed}" if closed else ""

    def _decide(self, uow: UnitOfWork, signal_id: str, decision: SignalScored | SignalFiltered,
                cause: Cause, run: Run) -> list[Scored]:
        recorded = uow.get(Signal, signal_id).decide(decision, cause)
        if recorded is None or not isinstance(decision, SignalScored):
            return []
        return [Scored(decision, recorded, run)]

    # Cards ---------------------------------------------------------------------------
    def _allocate(self, batch: list[Scored], view: DeskView, uow: UnitOfWork) -> None:
        for account_id in sorted(view.accounts):
            mandate = view.accounts[account_id].mandate
            if mandate is None:
                continue
            rank_by = self.book.allocation.objectives[mandate.objective].rank_by
            cash = view.cash.get(account_id)
            # Cash already promised to the account's waiting cards is not offered again.
            budget = (cash.available if cash else ZERO) - view.research.waiting_reserve(
                account_id)
            for scored in sorted(batch, key=lambda s: rank_key(rank_by, s.signal)):
                if scored.run.runs_for(account_id):
                    budget -= self._card_for(account_id, scored, view, uow, budget)

    def _card_for(self, account_id: str, scored: Scored, view: DeskView, uow: UnitOfWork,
                  available: Decimal) -> Decimal:
        """Propose or block one card; returns the cash the proposal would reserve."""
        signal = scored.signal
        account = view.accounts[account_id]
        card = uow.get(TradeCard, card_id_for(account_id, signal.signal_id))
        if card.exists or account.mandate is None:
            return ZERO
        cause = replace(uow.cause(f"strategy:{signal.strategy}"),
                        causation_id=scored.event.event_id)
        instrument = self.master(cause.occurred_at)[signal.symbol]
        tracker = view.research.features.get(signal.symbol)
        decision = propose_card(ProposalFacts(
            card.id, account_id, account.name, account.mandate, account.mandate_version,
            signal, scored.run.book, instrument, view.equity(account_id), available,
            view.halted(account_id), tracker.latest().realised_vol_20 if tracker else None,
            guard_context(view, scored.run.book, account_id, signal.symbol, signal.sector,
                          signal.strategy, signal.catalyst_at, instrument.adv_value),
            cause.occurred_at,
        ))
        if isinstance(decision, CardBlocked):
            card.block(decision, cause)
            return ZERO
        card.propose(decision, cause)
        return reserve_for(decision.reference_price, decision.quantity)


def _playbook_runs(runs: list[Run], category: str) -> list[Run]:
    """The versions of the first event playbook trading `category` (as the book picks it)."""
    matching = [r for r in runs if r.strategy.kind is Kind.EVENT
                and r.strategy.category == category]
    return [r for r in matching if r.strategy.name == matching[0].strategy.name]
