"""Signals to cards: the buyback playbook scores, then each account gets a card or a reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from domain import guardrails
from domain.aggregates import Cause, Signal, TradeCard
from domain.costs import product_for, round_trip_estimate
from domain.events import (
    AnnouncementArrived,
    CardBlocked,
    CardProposed,
    Envelope,
    SignalFiltered,
    SignalScored,
)
from domain.instruments import Instrument
from domain.money import ZERO
from domain.playbook import BUYBACK_V1, BuybackPlaybook, is_buyback, score_buyback, signal_id_for
from domain.session import entries_open
from domain.sizing import SizingRefused, size_long
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork


def card_id_for(account_id: str, signal_id: str) -> str:
    return f"card-{account_id}-{signal_id.removeprefix('sig-')}"


class BuybackAllocation:
    """Buyback announcement -> SignalScored -> a card (or a blocked card) per account."""

    name = "allocation"
    actor = "strategy:buyback"

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        playbook: BuybackPlaybook = BUYBACK_V1,
        card_ttl: timedelta = timedelta(minutes=20),
    ) -> None:
        self.instruments = instruments
        self.playbook = playbook
        self.card_ttl = card_ttl

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        ann = event.payload
        if not isinstance(ann, AnnouncementArrived) or not is_buyback(ann):
            return
        signal_id = signal_id_for(ann.source_id, "buyback")
        stream = uow.get(Signal, signal_id)
        cause = uow.cause(self.actor)
        reason = self._unscorable(ann, view, event.occurred_at)
        if reason:
            stream.decide(
                SignalFiltered(signal_id=signal_id, strategy="buyback", symbol=ann.symbol,
                               reason=reason, evidence=(event.event_id,)),
                cause,
            )
            return
        last = view.market[ann.symbol]
        signal = score_buyback(
            ann, (event.event_id,), last.close, last.end, self.instruments[ann.symbol].sector,
            event.occurred_at, self.playbook,
        )
        scored = stream.decide(signal, cause)
        if scored is None:
            return
        # Each card is caused by the signal; its evidence stays the announcement itself.
        card_cause = replace(cause, causation_id=scored.event_id)
        for account_id in sorted(view.accounts):
            self._card_for(account_id, signal, view, uow, card_cause)

    def _unscorable(self, ann: AnnouncementArrived, view: DeskView, now: datetime) -> str:
        if ann.symbol not in self.instruments:
            return f"unknown symbol {ann.symbol}: not in the instrument master"
        if ann.symbol not in view.market:
            return f"no bar yet for {ann.symbol}: no reference price"
        if not entries_open(now):
            return "announced outside the entry window (09:15-15:15 IST)"
        return ""

    def _card_for(
        self, account_id: str, signal: SignalScored, view: DeskView, uow: UnitOfWork,
        cause: Cause,
    ) -> None:
        account = view.accounts[account_id]
        card = uow.get(TradeCard, card_id_for(account_id, signal.signal_id))
        if card.exists or account.mandate is None:
            return
        now = cause.occurred_at
        mandate = account.mandate
        common = {
            "card_id": card.id, "account_id": account_id, "signal_id": signal.signal_id,
            "symbol": signal.symbol, "evidence": signal.evidence,
        }
        if not mandate.allows_sector(signal.sector):
            card.block(CardBlocked(**common, reason=f"mandate: sector {signal.sector} not allowed"),
                       cause)
            return
        cash = view.cash.get(account_id)
        available = cash.available if cash else ZERO
        equity = view.equity(account_id)
        sizing = size_long(mandate, equity, available, signal.reference_price, signal.stop)
        if isinstance(sizing, SizingRefused):
            card.block(CardBlocked(**common, reason=f"sizing: {sizing.reason}"), cause)
            return
        checks = guardrails.check(guardrails.CardFacts(
            sizing.quantity, signal.reference_price, sizing.reserve, equity, available, mandate,
            view.halted(account_id), now,
        ))
        failed = [g for g in checks if not g.passed]
        if failed:
            reason = "; ".join(f"{g.name}: {g.detail}" for g in failed)
            card.block(CardBlocked(**common, reason=f"guardrail: {reason}", guardrails=checks),
                       cause)
            return
        product = product_for(mandate.horizon)
        card.propose(
            CardProposed(
                **common, strategy=signal.strategy, side=signal.side,
                quantity=sizing.quantity, reference_price=signal.reference_price,
                stop=signal.stop, target=signal.target, horizon=mandate.horizon,
                expires_at=min(now + self.card_ttl, signal.expires_at),
                mandate_version=account.mandate_version,
                thesis=f"{signal.rationale} Sized for {account.name} ({mandate.objective}, "
                f"{mandate.horizon}, {product} product).",
                sizing=sizing.explanation,
                expected_cost=round_trip_estimate(
                    sizing.quantity, signal.reference_price, signal.target, product,
                    now.date(),
                ),
                guardrails=checks,
            ),
            cause,
        )
