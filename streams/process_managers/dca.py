"""DCA strategies on the desk's clock: the first closed bar at or after a DCA strategy's due
time (desk time, the feed's or the replayed day's, never the wall clock) makes its signal,
priced at the symbol's last close the desk has, and a card for every account it runs for,
or the reason there is none (`domain.dca`).

One signal per strategy version, symbol and due time (its id names the due time), so a
replay or a repeated bar decides nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from domain.aggregates import Signal, TradeCard
from domain.allocation import ProposalFacts
from domain.dca import DcaFacts, dca_signal, propose_dca_card
from domain.events import BarClosed, CardBlocked, Envelope, SignalFiltered, SignalScored
from domain.ids import bar_signal_id, card_id_for
from domain.instruments import Instrument
from domain.money import ZERO
from domain.sizing import reserve_for
from domain.strategy.book import DcaPlan, Kind, StrategyBook
from projections.desk import DeskView
from projections.guard_facts import guard_context
from streams.process_managers.allocation import DatedMaster
from streams.strategy_runs import Run, running
from streams.unit_of_work import UnitOfWork


class DcaBuys:
    """Closed bar -> each DCA buy now due: a signal, then a card or a reason per account."""

    name = "dca"

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        book: StrategyBook,
        dated: DatedMaster | None = None,
    ) -> None:
        self.instruments = instruments
        self.book = book
        self.dated = dated

    def master(self, at: datetime) -> Mapping[str, Instrument]:
        """The instrument master in force at `at` (the day's, when dated)."""
        return self.instruments if self.dated is None else self.dated(at)

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        """Every DCA buy the bar's desk time has reached and the log has not decided yet."""
        if not isinstance(event.payload, BarClosed):
            return
        at = event.occurred_at
        promised: dict[str, Decimal] = {}  # account -> what this bar's DCA cards would reserve
        for run in running(view, self.book, at):
            plan, due = run.strategy.dca, run.strategy.schedule.due(at)
            if run.strategy.kind is not Kind.DCA or plan is None or due is None:
                continue
            signal_id = bar_signal_id(run.signal_key, plan.symbol, due)
            if view.stream_versions.get(signal_id, 0):  # decided already: nothing is loaded
                continue
            decision = self._signal(run, plan, signal_id, due, event, view)
            cause = uow.cause(f"strategy:{run.strategy.name}")
            recorded = uow.get(Signal, signal_id).decide(decision, cause)
            if recorded is not None and isinstance(decision, SignalScored):
                self._cards(run, plan, decision, recorded, view, uow, promised)

    def _signal(
        self,
        run: Run,
        plan: DcaPlan,
        signal_id: str,
        due: datetime,
        event: Envelope,
        view: DeskView,
    ) -> SignalScored | SignalFiltered:
        instrument = self.master(event.occurred_at).get(plan.symbol)
        last = view.market.get(plan.symbol)
        closed = run.strategy.schedule.why_closed(event.occurred_at, self.book.calendar)
        if closed:
            return SignalFiltered(
                signal_id=signal_id,
                strategy=run.strategy.name,
                symbol=plan.symbol,
                evidence=(event.event_id,),
                reason=f"outside {run.strategy.name}'s schedule: {closed}",
                strategy_version=run.version_id,
            )
        return dca_signal(
            run.strategy,
            run.book,
            DcaFacts(
                signal_id,
                plan,
                instrument.sector if instrument else "",
                last.close if last else None,
                last.end if last else None,
                instrument is not None,
                due,
                event.occurred_at,
                (event.event_id,),
                run.version_id,
            ),
        )

    def _cards(
        self,
        run: Run,
        plan: DcaPlan,
        signal: SignalScored,
        recorded: Envelope,
        view: DeskView,
        uow: UnitOfWork,
        promised: dict[str, Decimal],
    ) -> None:
        cause = replace(uow.cause(f"strategy:{signal.strategy}"), causation_id=recorded.event_id)
        instrument = self.master(cause.occurred_at)[signal.symbol]
        for account_id in sorted(view.accounts):
            account = view.accounts[account_id]
            if account.mandate is None or not run.runs_for(account_id):
                continue
            card = uow.get(TradeCard, card_id_for(account_id, signal.signal_id))
            if card.exists:
                continue
            cash = view.cash.get(account_id)
            # Cash promised to the account's waiting cards (and to this bar's other DCA
            # cards) is not offered again.
            available = (
                (cash.available if cash else ZERO)
                - view.research.waiting_reserve(account_id)
                - promised.get(account_id, ZERO)
            )
            decision = propose_dca_card(
                ProposalFacts(
                    card.id,
                    account_id,
                    account.name,
                    account.mandate,
                    account.mandate_version,
                    signal,
                    run.book,
                    instrument,
                    view.equity(account_id),
                    available,
                    view.halted(account_id),
                    None,
                    guard_context(
                        view,
                        run.book,
                        account_id,
                        signal.symbol,
                        signal.sector,
                        signal.strategy,
                        signal.catalyst_at,
                        instrument.adv_value,
                    ),
                    cause.occurred_at,
                ),
                plan,
            )
            if isinstance(decision, CardBlocked):
                card.block(decision, cause)
            else:
                card.propose(decision, cause)
                promised[account_id] = promised.get(account_id, ZERO) + reserve_for(
                    decision.reference_price, decision.quantity
                )
