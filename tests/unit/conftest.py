"""Builders shared by the unit tests: envelopes, causes, mandates, bars, fills, proposals.

Every builder takes keyword overrides, so a test states only the facts it is about.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import settings

from domain.aggregates import Account, Aggregate, Cause, Order, TradeCard
from domain.events import (
    BarClosed,
    CardProposed,
    Envelope,
    OrderFilled,
    OrderPlaced,
    Payload,
    SignalScored,
)
from domain.ids import account_stream, uuid7
from domain.values import CostBreakdown, Horizon, Leg, Mandate, MetaLabel, Objective, Side
from projections.desk import DeskView, apply

# Pure-logic examples are fast; a deadline would only make slow CI machines flaky.
settings.register_profile("unit", deadline=None, max_examples=100)
settings.load_profile("unit")

# Monday 6 Jan 2025, 09:30 IST: the market is open for entries.
T0 = datetime(2025, 1, 6, 4, 0, tzinfo=UTC)
TRADE_DATE = T0.date()


def D(text: str) -> Decimal:
    """A Decimal from its exact decimal text."""
    return Decimal(text)


def envelope(
    payload: Payload,
    stream_id: str = "stream-1",
    version: int = 1,
    at: datetime = T0,
    **overrides: Any,
) -> Envelope:
    """An envelope around `payload` at `version` of `stream_id`, occurring and recorded `at`."""
    fields: dict[str, Any] = {
        "event_id": uuid7(at, f"{stream_id}/{version}".encode()),
        "type": payload.event_type,
        "schema_version": payload.schema_version,
        "stream_id": stream_id,
        "stream_version": version,
        "occurred_at": at,
        "recorded_at": at,
        "correlation_id": "corr-1",
        "causation_id": None,
        "actor": "test",
        "payload": payload,
    }
    fields.update(overrides)
    return Envelope(**fields)


def cause(at: datetime = T0, actor: str = "test", correlation_id: str = "corr-1") -> Cause:
    """Why a command runs: at desk time `at`, recorded at the same instant."""
    return Cause(at, at, actor, correlation_id)


def mandate(**overrides: Any) -> Mandate:
    """A balanced swing mandate: 1% risk, 20% position cap, 5% cash buffer."""
    fields: dict[str, Any] = {
        "objective": Objective.BALANCED,
        "horizon": Horizon.SWING,
        "risk_per_trade_pct": D("1"),
        "max_position_pct": D("20"),
        "daily_loss_limit": D("5000"),
        "max_drawdown_pct": D("10"),
        "cash_buffer_pct": D("5"),
    }
    fields.update(overrides)
    return Mandate(**fields)


def charges(**overrides: str) -> CostBreakdown:
    """A cost breakdown, zero except for the charges named (as decimal text)."""
    names = ("brokerage", "stt", "exchange_txn", "sebi_fee", "ipft", "stamp_duty", "gst")
    return CostBreakdown(**{n: D(overrides.get(n, "0")) for n in names})


def bar(
    open_: str,
    high: str,
    low: str,
    close: str,
    start: datetime = T0,
    symbol: str = "TCS",
    minutes: int = 1,
    volume: int = 1000,
) -> BarClosed:
    """A closed bar of `symbol` starting at `start`, prices as decimal text."""
    return BarClosed(
        symbol=symbol, start=start, end=start + timedelta(minutes=minutes),
        open=D(open_), high=D(high), low=D(low), close=D(close), volume=volume,
    )


def placed(**overrides: Any) -> OrderPlaced:
    """A delivery bracket: buy 100 TCS, stop 490, target 530, 50,250 reserved."""
    fields: dict[str, Any] = {
        "order_id": "order-1",
        "card_id": "card-1",
        "account_id": "acc-1",
        "broker": "paper",
        "symbol": "TCS",
        "side": Side.BUY,
        "quantity": 100,
        "stop": D("490"),
        "target": D("530"),
        "square_off": False,
        "reserved": D("50250.00"),
    }
    fields.update(overrides)
    return OrderPlaced(**fields)


def fill(leg: Leg, price: str, **overrides: Any) -> OrderFilled:
    """A full fill of order-1's `leg` at `price`: entries buy, exits sell, no charges."""
    fields: dict[str, Any] = {
        "order_id": "order-1",
        "account_id": "acc-1",
        "fill_id": f"order-1-{leg.value.lower()}",
        "leg": leg,
        "side": Side.BUY if leg is Leg.ENTRY else Side.SELL,
        "symbol": "TCS",
        "quantity": 100,
        "price": D(price),
        "costs": charges(),
        "rule": "test",
    }
    fields.update(overrides)
    return OrderFilled(**fields)


def proposal(**overrides: Any) -> CardProposed:
    """Card card-1 for acc-1: buy 100 TCS at 500, stop 490, target 530, expiring T0 + 30 min."""
    fields: dict[str, Any] = {
        "card_id": "card-1",
        "account_id": "acc-1",
        "signal_id": "sig-1",
        "strategy": "buyback",
        "symbol": "TCS",
        "side": Side.BUY,
        "quantity": 100,
        "reference_price": D("500"),
        "stop": D("490"),
        "target": D("530"),
        "horizon": Horizon.SWING,
        "expires_at": T0 + timedelta(minutes=30),
        "mandate_version": 1,
        "thesis": "buyback announced",
        "sizing": "test sizing",
        "expected_cost": D("114.33"),
        "guardrails": (),
        "evidence": (),
    }
    fields.update(overrides)
    return CardProposed(**fields)


def meta_label(**overrides: Any) -> MetaLabel:
    """A meta-label of quality 0.7 and 1.2 R of edge, betting a tenth of equity at risk."""
    fields: dict[str, Any] = {
        "quality": D("0.7"), "regime": D("1"), "liquidity": D("1"), "timing": D("1"),
        "hit_rate": D("0.6"), "p_target": D("0.55"), "p_stop": D("0.3"), "p_time": D("0.15"),
        "edge_per_share": D("12"), "edge_r": D("1.2"), "explanation": "meta: trusted",
        "kelly": D("0.1"),
    }
    fields.update(overrides)
    return MetaLabel(**fields)


def signal(**overrides: Any) -> SignalScored:
    """Signal sig-1: the buyback playbook buys TCS at 500, stop 490, target 530, for an hour."""
    fields: dict[str, Any] = {
        "signal_id": "sig-1",
        "strategy": "buyback",
        "playbook_version": "test",
        "symbol": "TCS",
        "sector": "IT",
        "side": Side.BUY,
        "score": D("0.8"),
        "reference_price": D("500"),
        "stop": D("490"),
        "target": D("530"),
        "horizon": Horizon.SWING,
        "expires_at": T0 + timedelta(hours=1),
        "rationale": "TCS announced a buyback.",
        "evidence": (uuid7(T0, b"news-1"),),
        "catalyst_at": T0,
        "meta": meta_label(),
    }
    fields.update(overrides)
    return SignalScored(**fields)


# Event logs for the folds: aggregates write them, as the desk's handlers would. --------


class Log:
    """Events in the order the desk would log them, taken from aggregates as they record."""

    def __init__(self) -> None:
        self.events: list[Envelope] = []

    def take(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self.events.extend(aggregate.collect_events())

    def add(self, payload: Payload, stream_id: str, at: datetime = T0) -> None:
        """Append an outside fact (a bar, say) as the next version of `stream_id`."""
        version = 1 + sum(1 for e in self.events if e.stream_id == stream_id)
        self.events.append(envelope(payload, stream_id, version, at))


def fold(events: list[Envelope]) -> DeskView:
    """A fresh desk view with `events` applied at log positions 1, 2, ..."""
    view = DeskView()
    for position, event in enumerate(events, start=1):
        apply(view, event, position)
    return view


def funded_account(log: Log, account_id: str = "acc-1", amount: str = "100000.00") -> Account:
    account = Account(account_stream(account_id))
    account.open(f"Client {account_id}", cause())
    account.deposit(D(amount), f"neft-{account_id}", cause())
    log.take(account)
    return account


def round_trip(
    log: Log,
    entry: str = "500.00",
    exit_price: str = "530.00",
    exit_leg: Leg = Leg.TARGET,
    entry_costs: CostBreakdown | None = None,
    exit_costs: CostBreakdown | None = None,
    at: datetime = T0,
) -> tuple[Account, Order]:
    """acc-1 funded with 1,00,000, card-1 approved, 100 TCS bought at `entry`, sold at exit.

    Cash moves as the execution handler moves it: entry notional plus charges deployed,
    exit notional less charges returned.
    """
    entry_costs = entry_costs or charges()
    exit_costs = exit_costs or charges()
    account = funded_account(log)
    card = TradeCard("card-1")
    card.propose(proposal(), cause(at))
    card.approve("ops:meera", at, (), cause(at))
    account.reserve("card-1", D("50250.00"), cause(at))
    order = Order("order-1")
    order.place(placed(), cause(at))
    order.accept("paper-order-1", cause(at))
    log.take(card, account, order)
    order.fill(fill(Leg.ENTRY, entry, costs=entry_costs), cause(at))
    account.deploy("card-1", "order-1", D(entry) * 100 + entry_costs.total, cause(at))
    log.take(order, account)
    order.fill(fill(exit_leg, exit_price, costs=exit_costs), cause(at))
    account.return_cash("order-1", D(exit_price) * 100 - exit_costs.total, cause(at))
    log.take(order, account)
    return account, order
