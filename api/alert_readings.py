"""The figures alert rules watch, read from what the API already exposes on /metrics and
/ready: the view's lag behind the log, write latency (the p99 of POSTs since the last
reading), each live feed's silence, each worker's distance behind the log, open
reconciliation breaks per venue, and each account's daily loss against its limit."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from api.context import ApiState
from api.metrics import BUCKETS, Histogram, label_value
from domain.aggregates import Reconciliation
from domain.alerts import DESK_SUBJECT, KINDS, OpenCard, Readings
from domain.calendar import WEEKDAYS, TradingCalendar
from domain.ids import reconciliation_stream
from domain.session import ist
from projections.desk import DeskView
from streams.bootstrap import AnyDesk
from streams.routing.breaks import REMOTE_VENUES

STORE_TIMEOUT = 2.0  # seconds the store may take to say its head
BEYOND_LAST_BUCKET_MS = Decimal(BUCKETS[-1] * 2000)  # a p99 past the last bucket (5 s)
API_SUBJECT = "api"
HOT_METHOD = "POST"  # reads (GET) and the live feed are not the hot path


async def log_figures(state: ApiState) -> tuple[int, int]:
    """Log head, then view position: a write between the two can only move the position
    past the head read (lag 0), never report a lag that is not there. The lock is never
    held while the store is read, so a slow store cannot stall writers or other readers."""
    head = await asyncio.wait_for(state.gate.probe(state.desk.store.head), STORE_TIMEOUT)
    async with state.gate.reading():
        return head, state.desk.runtime.view.position


def p99_ms(counts: Sequence[int], total: int) -> Decimal:
    """The upper bound, in ms, of the bucket holding the 99th percentile (0: no request)."""
    if total <= 0:
        return Decimal(0)
    wanted = total * 99 / 100
    for bound, n in zip(BUCKETS, counts, strict=True):
        if n >= wanted:
            return Decimal(str(bound)) * 1000
    return BEYOND_LAST_BUCKET_MS


def daily_loss_used(view: DeskView) -> dict[str, Decimal]:
    """Each account's loss today as a fraction of its mandate's daily loss limit."""
    used = {}
    for account_id, row in view.accounts.items():
        if row.mandate is not None:
            loss = max(-view.daily_pnl(account_id), Decimal(0))
            used[account_id] = round(loss / row.mandate.daily_loss_limit, 4)
    return used


def open_breaks(desk: AnyDesk) -> dict[str, Decimal]:
    """Open reconciliation breaks per remote venue."""
    return {
        venue: Decimal(len(desk.store.load(Reconciliation, reconciliation_stream(venue)).open))
        for venue in REMOTE_VENUES
    }


async def watched_figures(state: ApiState, head: int) -> dict[str, dict[str, Decimal]]:
    """The figures of /metrics that alert rules also watch: every log follower's distance
    behind `head`, open breaks per remote venue, and each account's daily loss used."""
    store = state.desk.store
    followers = await state.gate.read_store(store.followers)
    breaks = await state.gate.read_store(open_breaks, state.desk)
    async with state.gate.reading():
        losses = daily_loss_used(state.desk.runtime.view)
    return {
        "worker_down": {name: Decimal(max(head - at, 0)) for name, at in followers.items()},
        "reconciliation_break": breaks,
        "daily_loss": losses,
    }


# kind -> the label naming its subject on /metrics
SUBJECT_LABELS = {"worker_down": "worker", "reconciliation_break": "venue",
                  "daily_loss": "account"}


def prometheus(figures: Mapping[str, Mapping[str, Decimal]]) -> str:
    """Prometheus gauges for `watched_figures`, named as the alert kinds name them."""
    lines: list[str] = []
    for kind, label in SUBJECT_LABELS.items():
        metric = KINDS[kind]
        lines += [f"# HELP {metric.metric} {kind} ({metric.unit}), as alert rules read it",
                  f"# TYPE {metric.metric} gauge"]
        lines += [f'{metric.metric}{{{label}="{label_value(subject)}"}} {value}'
                  for subject, value in sorted(figures.get(kind, {}).items())]
    return "\n".join(lines) + "\n"


@dataclass
class AlertReader:
    """Reads `Readings` from the API's state; `workers` are the log followers whose
    tracked position is watched (a worker that stopped falls behind the head)."""

    state: ApiState
    workers: Sequence[str] = ()
    calendar: TradingCalendar = WEEKDAYS
    _seen: Histogram = field(default_factory=Histogram)

    async def __call__(self) -> Readings:
        state, now = self.state, datetime.now(UTC)
        head, position = await log_figures(state)
        desk_time = state.desk_time()
        async with state.gate.reading():
            view = state.desk.runtime.view
            losses = daily_loss_used(view)
            cards = [
                OpenCard(
                    c.card_id, c.account_id, c.symbol, c.side, c.quantity, c.expires_at, c.status
                )
                for c in view.cards.values()
                if c.status == "PROPOSED"
            ]
        store = state.desk.store
        breaks = await state.gate.read_store(open_breaks, state.desk)
        tracked = await state.gate.read_store(lambda: {w: store.tracked(w) for w in self.workers})
        values: Mapping[str, Mapping[str, Decimal]] = {
            "view_lag": {DESK_SUBJECT: Decimal(max(head - position, 0))},
            "hot_path_p99": {API_SUBJECT: self._p99_since_last()},
            "feed_silent": {
                f.name: Decimal(str(round((now - f.last_message_at).total_seconds())))
                for f in state.feeds()
                if f.last_message_at is not None
            },
            "worker_down": {w: Decimal(max(head - at, 0)) for w, at in tracked.items()},
            "reconciliation_break": breaks,
            "daily_loss": losses,
        }
        return Readings(now, desk_time, self._market_open(desk_time), values, cards)

    def _p99_since_last(self) -> Decimal:
        """p99 over the writes (POSTs: ingest, commands, chat presses) since the last
        reading, every route together: the hot path as the API serves it."""
        merged = Histogram()
        for (_, method), h in self.state.metrics.latency.items():
            if method != HOT_METHOD:
                continue
            merged.total += h.total
            merged.counts = [a + b for a, b in zip(merged.counts, h.counts, strict=True)]
        window = [a - b for a, b in zip(merged.counts, self._seen.counts, strict=True)]
        total = merged.total - self._seen.total
        self._seen = merged
        return p99_ms(window, total)

    def _market_open(self, at: datetime) -> bool:
        local = ist(at)
        session = self.calendar.session(local.date())
        return session is not None and session.open <= local.time() < session.close
