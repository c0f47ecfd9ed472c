"""A backtest through the desk itself (`desk backtest --engine desk`): historical bars and
news fed, instant by instant on a simulated clock, through the same embedded runtime as
live — ingestion gate, features, strategies, allocation, guardrails, approvals, the paper
broker and the folds — into a throwaway store; trades, equity and metrics are then read
from what the desk recorded.

Approvals follow a stated policy: `all` (every proposed card, recorded as
`policy:backtest-approve-all`), `none` (cards wait, then expire unapproved), or rules
(`desk account policy --set` settings, e.g. `max_notional=200000,strategies=momentum`)
applied as every account's automated approval policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

import polars as pl

from adapters.files.sample import AccountSpec, group_by_instant
from domain.approval_policy import MANUAL, ApprovalMode, ApprovalPolicy
from domain.approval_policy_text import revise_policy
from domain.backtest.engine import BacktestConfig, BacktestResult, Refusal
from domain.backtest.metrics import compute_metrics
from domain.events import BarClosed
from domain.inputs import InputFact
from domain.instruments import Instrument
from domain.money import PAISA
from domain.session import IST
from domain.strategy.book import StrategyBook
from domain.values import Horizon, Mandate, Objective
from projections.approval_queue import CardRow
from projections.backtest_trades import TradeLog, apply, marked_equity
from projections.desk import DeskView
from replay.backtest import BacktestRun, BacktestSetupError
from streams.bootstrap import Desk, bootstrap
from streams.demo import save_live_view
from streams.feed import open_accounts

APPROVE_ALL_POLICY = "backtest-approve-all"
RULES_POLICY = "backtest-rules"
OPERATOR = "operator:backtest"
IN_MEMORY = "sqlite:///:memory:"


@dataclass(frozen=True)
class Approvals:
    """Who decides the run's cards: the approve-all policy, nobody, or rules per account."""

    text: str  # as given on the command line
    approver: str | None  # the approve-all policy's name, when it runs
    policy: ApprovalPolicy  # every account's mandate policy for the run


def parse_approvals(text: str) -> Approvals:
    """`all`, `none`, or `key=value,...` approval-policy settings; ValueError says why."""
    word = text.strip().lower()
    if word == "all":
        return Approvals(text, APPROVE_ALL_POLICY, MANUAL)
    if word == "none":
        return Approvals(text, None, MANUAL)
    settings: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(
                f"--approve: expected all, none or key=value settings, got {part.strip()!r}"
            )
        settings[key.strip()] = value
    base = ApprovalPolicy(name=RULES_POLICY, mode=ApprovalMode.AUTO)
    policy = revise_policy(base, settings)
    if isinstance(policy, str):
        raise ValueError(f"--approve: {policy}")
    return Approvals(text, None, policy)


def default_account(cash: Decimal) -> AccountSpec:
    """The one account a run without `--accounts` trades: `cash`, a balanced swing mandate
    with room for one full position and limits that do not stop a replay early."""
    mandate = Mandate(
        objective=Objective.BALANCED,
        horizon=Horizon.INTRADAY,
        risk_per_trade_pct=Decimal(1),
        max_position_pct=Decimal(100),
        daily_loss_limit=cash,
        max_drawdown_pct=Decimal(100),
        cash_buffer_pct=Decimal(0),
    )
    return AccountSpec("backtest", "Backtest", mandate, cash)


class SimulatedClock:
    """The run's desk time: the instant being fed (never the wall clock)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class DeskBacktest:
    run: BacktestRun
    desk: Desk
    cards: dict[str, int]  # by status, as the approval queue holds them
    approvals: Approvals


def in_days(facts: Iterable[InputFact], start: date | None, end: date | None) -> list[InputFact]:
    """The facts whose desk time falls on an IST day from `start` to `end` inclusive."""

    def keep(fact: InputFact) -> bool:
        day = fact.occurred_at.astimezone(IST).date()
        return (start is None or day >= start) and (end is None or day <= end)

    return [f for f in facts if keep(f)]


def run_desk(
    facts: list[InputFact],
    book: StrategyBook,
    instruments: Mapping[str, Instrument],
    accounts: list[AccountSpec],
    approvals: Approvals,
    store_url: str = IN_MEMORY,
    progress: Callable[[int, int], None] | None = None,
) -> DeskBacktest:
    """Feed `facts` through a fresh embedded desk, an instant at a time, and read the run
    back from what it recorded; `progress(done, total)` after each instant."""
    groups = group_by_instant(facts)
    if not any(isinstance(f.payload, BarClosed) for f in facts):
        raise BacktestSetupError("no bars in the chosen range")
    clock = SimulatedClock(groups[0][0].occurred_at)
    desk = bootstrap(store_url, instruments, approver=approvals.approver, clock=clock, book=book)
    if desk.store.head():
        raise BacktestSetupError(
            f"the store {store_url} is not empty: a backtest needs a throwaway store"
        )
    specs = [_with_policy(s, approvals.policy) for s in accounts]
    open_accounts(desk.store, clock, desk.runtime.execute, specs, OPERATOR, clock.now)
    view = desk.runtime.view
    times: list[datetime] = []
    equity: list[float] = []
    exposed: list[bool] = []
    for n, group in enumerate(groups, start=1):
        clock.now = group[0].occurred_at
        desk.runtime.ingest(group)
        times.append(clock.now)
        equity.append(float(sum(marked_equity(view, a) for a in view.accounts)))
        exposed.append(any(p.quantity for p in view.positions.all()))
        if progress is not None:
            progress(n, len(groups))
    save_live_view(desk)
    result = _result(
        desk, times, equity, exposed, sum(isinstance(f.payload, BarClosed) for f in facts)
    )
    cash = sum((s.initial_deposit for s in specs), Decimal(0))
    config = BacktestConfig(cash)
    run = BacktestRun(
        result,
        compute_metrics(result, cash),
        tuple(s.name for s in book.strategies.values()),
        config,
    )
    cards: dict[str, int] = {}
    for row in view.cards.values():
        cards[row.status] = cards.get(row.status, 0) + 1
    return DeskBacktest(run, desk, cards, approvals)


def _with_policy(spec: AccountSpec, policy: ApprovalPolicy) -> AccountSpec:
    return replace(spec, mandate=spec.mandate.model_copy(update={"approval_policy": policy}))


def _result(
    desk: Desk, times: list[datetime], equity: list[float], exposed: list[bool], bars: int
) -> BacktestResult:
    log = TradeLog()
    for rec in desk.store.read_all():
        apply(log, rec.event)
    view = desk.runtime.view
    marks = view.positions.marks
    open_positions = [
        replace(p, mark=marks.get(p.symbol, p.entry_price)) for p in log.open_by_order.values()
    ]
    final = sum((marked_equity(view, a) for a in view.accounts), Decimal(0))
    cash = sum((c.free + c.reserved for c in view.cash.values()), Decimal(0))
    return BacktestResult(
        trades=log.trades,
        refusals=_refusals(view, log),
        open_positions=open_positions,
        equity_at=pl.Series("ts", times, dtype=pl.Datetime("us", "UTC")),
        equity=equity,
        exposed=exposed,
        cash=cash,
        final_equity=final.quantize(PAISA),
        bars=bars,
    )


# Card statuses that end without an order, and the words a refusal gives them.
_UNTRADED: dict[str, str] = {
    "BLOCKED": "blocked before proposal",
    "REJECTED": "rejected at approval",
    "DENIED": "approved, then denied",
    "EXPIRED": "expired unapproved",
    "PROPOSED": "still waiting for approval at the end",
}


def _refusals(view: DeskView, log: TradeLog) -> list[Refusal]:
    rows: list[CardRow] = sorted(view.cards.values(), key=lambda c: c.card_id)
    return sorted(
        (
            Refusal(
                c.symbol,
                c.strategy or "-",
                log.card_at[c.card_id],
                f"card {c.card_id} ({c.account_id}) {_UNTRADED[c.status]}"
                + (f" by {c.decided_by}: {c.reason}" if c.reason else ""),
            )
            for c in rows
            if c.status in _UNTRADED and c.card_id in log.card_at
        ),
        key=lambda r: r.at,
    )
