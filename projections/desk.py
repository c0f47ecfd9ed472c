"""The desk's whole read model: every projection folded from one log, idempotently.

`apply` skips an event whose stream version was already folded, so an event seen twice
(at-least-once delivery, a replayed page) changes nothing. Folds update the view in place
and return it; they read no clock, file or network.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.events import (
    DESK_SCOPE,
    AccountOpened,
    BarClosed,
    CardApproved,
    CardBlocked,
    CardExpired,
    CardProposed,
    CardRejected,
    CardReviewed,
    CardReviewFailed,
    CardReviewRequested,
    CashDeployed,
    CashDeposited,
    CashReleased,
    CashReserved,
    CashReturned,
    CashTransferredIn,
    CashTransferredOut,
    DeskLossLimitSet,
    Envelope,
    ExitRefused,
    ExitRequested,
    FundingPlanSet,
    KillSwitchReset,
    KillSwitchTripped,
    MandateSet,
    NewsTagged,
    OrderAccepted,
    OrderCancelled,
    OrderDenied,
    OrderFilled,
    OrderPlaced,
    OrderRejected,
    PositionClosed,
    PromptPromoted,
    PromptVersionPublished,
    SignalFiltered,
    SignalScored,
    StrategyDeployed,
    StrategyPaused,
    StrategyResumed,
    StrategyRetired,
    StrategyVersionPublished,
    TrancheReleased,
    TransferApproved,
    TransferProposed,
    TransferRejected,
)
from domain.money import ZERO
from projections.accounts import AccountRow, apply_accounts
from projections.approval_queue import CardRow, apply_queue
from projections.cash import Cash, apply_cash
from projections.funding import PlanState, apply_funding
from projections.market import LastBar, apply_market
from projections.orders import Orders, apply_orders
from projections.positions import Positions, apply_positions
from projections.research import Research, apply_research
from projections.reviews import Reviews, apply_reviews
from projections.risk import (
    KillSwitch,
    Risk,
    apply_risk,
    drawdown_pct,
    mark_equity,
    trading_day,
    withdraw_equity,
)
from projections.strategies import Strategies, apply_strategies
from projections.transfers import TransferRow, apply_transfers


@dataclass
class DeskView:
    position: int = 0
    as_of: datetime | None = None
    stream_versions: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, AccountRow] = field(default_factory=dict)
    cash: dict[str, Cash] = field(default_factory=dict)
    funding: dict[str, PlanState] = field(default_factory=dict)
    transfers: dict[str, TransferRow] = field(default_factory=dict)
    positions: Positions = field(default_factory=Positions.empty)
    orders: Orders = field(default_factory=Orders.empty)
    cards: dict[str, CardRow] = field(default_factory=dict)
    market: dict[str, LastBar] = field(default_factory=dict)
    risk: dict[str, Risk] = field(default_factory=dict)
    kills: dict[str, KillSwitch] = field(default_factory=dict)
    research: Research = field(default_factory=Research)
    reviews: Reviews = field(default_factory=Reviews)
    strategies: Strategies = field(default_factory=Strategies)
    counts: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0

    # Derived figures -----------------------------------------------------------
    def unrealised(self, account_id: str) -> Decimal:
        marks = self.positions.marks
        return sum(
            (p.unrealised(marks.get(p.symbol)) for p in self.positions.of(account_id)), ZERO
        )

    def exposure(self, account_id: str) -> Decimal:
        marks = self.positions.marks
        return sum((p.exposure(marks.get(p.symbol)) for p in self.positions.of(account_id)), ZERO)

    def equity(self, account_id: str) -> Decimal:
        cash = self.cash.get(account_id)
        return (cash.total if cash else ZERO) + self.unrealised(account_id)

    def daily_pnl(self, account_id: str) -> Decimal:
        risk = self.risk.get(account_id)
        realised = ZERO
        if risk is not None and self.as_of is not None and risk.day == trading_day(self.as_of):
            realised = risk.realised_today
        return realised + self.unrealised(account_id)

    def drawdown(self, account_id: str) -> Decimal:
        risk = self.risk.get(account_id)
        return drawdown_pct(risk.peak_equity if risk else ZERO, self.equity(account_id))

    def desk_daily_pnl(self) -> Decimal:
        """Every account's daily P&L together: what the desk's loss limit is checked on."""
        return sum((self.daily_pnl(a) for a in self.accounts), ZERO)

    def halted(self, account_id: str) -> bool:
        """True when the account's or the desk's kill switch is tripped."""
        return any(k.tripped for s, k in self.kills.items() if s in (account_id, DESK_SCOPE))


def apply(view: DeskView, event: Envelope, position: int = 0) -> DeskView:
    """Fold one logged event (at log `position`) into every projection."""
    seen = view.stream_versions.get(event.stream_id, 0)
    if event.stream_version <= seen:
        view.duplicates += 1
        return view
    view.stream_versions[event.stream_id] = event.stream_version
    view.position = max(view.position, position)
    view.as_of = event.occurred_at if view.as_of is None else max(view.as_of, event.occurred_at)
    view.counts[event.type] += 1
    payload = event.payload
    for fold in _ROUTES.get(type(payload), ()):
        fold(view, event)
    if type(payload) not in _MOVES_EQUITY:
        return view  # most events (bars above all) move no high-water mark
    if isinstance(payload, CashTransferredOut):
        # Capital moved away is not a loss: the high-water mark moves down with it.
        withdraw_equity(view.risk, payload.account_id, payload.amount)
    if isinstance(payload, _ADDS_CASH):
        # The high-water mark is closed equity, moved only by the account's own stream, so
        # it comes out the same in any interleaving of topics (Kafka) as in log order.
        cash = view.cash[payload.account_id]
        mark_equity(view.risk, payload.account_id, cash.total)
    return view


# Payloads that move an account's high-water mark after their folds (see `apply`).
_ADDS_CASH = (CashDeposited, CashReturned, CashTransferredIn)
_MOVES_EQUITY = frozenset((CashTransferredOut, *_ADDS_CASH))

# A fold updates its part of the view from one event, in place.
Fold = Callable[[DeskView, Envelope], None]


# Which projections each event type feeds; a type not listed feeds none (e.g. news).
_ROUTES: dict[type, tuple[Fold, ...]] = {
    BarClosed: (apply_positions, apply_market, apply_research, apply_funding),
    NewsTagged: (apply_research,),
    SignalScored: (apply_research,),
    SignalFiltered: (apply_research,),
    AccountOpened: (apply_accounts,),
    MandateSet: (apply_accounts, apply_cash),
    FundingPlanSet: (apply_funding,),
    TrancheReleased: (apply_funding,),
    CashDeposited: (apply_cash, apply_funding),
    CashTransferredIn: (apply_cash,),
    CashTransferredOut: (apply_cash,),
    TransferProposed: (apply_transfers,),
    TransferApproved: (apply_transfers,),
    TransferRejected: (apply_transfers,),
    CashReserved: (apply_cash,),
    CashReleased: (apply_cash,),
    CashDeployed: (apply_cash,),
    CashReturned: (apply_cash,),
    OrderPlaced: (apply_orders,),
    OrderAccepted: (apply_orders,),
    OrderRejected: (apply_orders,),
    OrderCancelled: (apply_orders,),
    OrderFilled: (apply_positions, apply_orders),
    PositionClosed: (apply_cash, apply_positions, apply_risk, apply_research, apply_reviews),
    CardProposed: (apply_queue, apply_research),
    CardBlocked: (apply_queue,),
    CardApproved: (apply_queue, apply_research),
    CardRejected: (apply_queue, apply_research),
    CardExpired: (apply_queue, apply_research),
    OrderDenied: (apply_queue, apply_research),
    KillSwitchTripped: (apply_risk,),
    KillSwitchReset: (apply_risk,),
    DeskLossLimitSet: (apply_risk,),
    ExitRequested: (apply_orders,),
    ExitRefused: (apply_orders,),
    CardReviewRequested: (apply_reviews,),
    CardReviewed: (apply_reviews,),
    CardReviewFailed: (apply_reviews,),
    PromptVersionPublished: (apply_reviews,),
    PromptPromoted: (apply_reviews,),
    StrategyVersionPublished: (apply_strategies,),
    StrategyDeployed: (apply_strategies,),
    StrategyPaused: (apply_strategies,),
    StrategyResumed: (apply_strategies,),
    StrategyRetired: (apply_strategies,),
}

# The name of the live read model's saved snapshot: the demo writes it, `desk verify` reads it.
LIVE_VIEW = "desk"


def snapshot(view: DeskView) -> dict[str, Any]:
    """A canonical, JSON-ready picture of positions, cash, risk, orders and the queue."""
    accounts = sorted(set(view.accounts) | set(view.cash))
    return {
        "position": view.position,
        "accounts": {
            a: {
                "name": view.accounts[a].name if a in view.accounts else "",
                "mandate_version": view.accounts[a].mandate_version if a in view.accounts else 0,
            }
            for a in accounts
        },
        "cash": {
            a: {
                "available": str(c.available), "reserved": str(c.reserved),
                "deployed": str(c.deployed), "buffer": str(c.buffer),
                "deposits": str(c.deposits), "transfers_in": str(c.transfers_in),
                "transfers_out": str(c.transfers_out),
                "realised_pnl": str(c.realised_pnl), "costs": str(c.costs),
            }
            for a, c in sorted(view.cash.items())
        },
        "positions": [
            {
                "account_id": p.account_id, "symbol": p.symbol, "quantity": p.quantity,
                "average_price": str(p.average_price), "realised_pnl": str(p.realised_pnl),
                "unrealised_pnl": str(p.unrealised(view.positions.marks.get(p.symbol))),
                "costs": str(p.costs), "trades": p.trades,
            }
            for p in view.positions.all()
        ],
        "risk": {
            a: {
                "daily_pnl": str(view.daily_pnl(a)), "drawdown_pct": str(view.drawdown(a)),
                "exposure": str(view.exposure(a)), "peak_equity": str(
                    view.risk[a].peak_equity if a in view.risk else ZERO),
                "halted": view.halted(a),
            }
            for a in accounts
        },
        "kill_switches": {
            s: {"tripped": k.tripped, "reason": k.reason} for s, k in sorted(view.kills.items())
        },
        "orders": {
            o.order_id: {
                "account_id": o.account_id, "symbol": o.symbol, "quantity": o.quantity,
                "status": o.status, "entry_price": _s(o.entry_price),
                "exit_price": _s(o.exit_price), "exit_leg": o.exit_leg,
            }
            for o in sorted(view.orders.by_id.values(), key=lambda o: o.order_id)
        },
        "cards": {
            c.card_id: {
                "account_id": c.account_id, "symbol": c.symbol, "quantity": c.quantity,
                "status": c.status, "decided_by": c.decided_by, "reason": c.reason,
            }
            for c in sorted(view.cards.values(), key=lambda c: c.card_id)
        },
        "event_counts": dict(sorted(view.counts.items())),
    }


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


LOG_FIELDS = ("position", "event_counts")


def projections_of(state: dict[str, Any]) -> dict[str, Any]:
    """A snapshot without log bookkeeping: what two runtimes must agree on field for field."""
    return {k: v for k, v in state.items() if k not in LOG_FIELDS}
