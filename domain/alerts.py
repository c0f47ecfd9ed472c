"""Alert rules over the desk's figures, evaluated purely: which alerts fire, which clear.

A rule names a kind (a row of `KINDS`: which figure, whether it only counts in market
hours), a threshold and a hold time. A figure past the threshold for the hold time fires
the rule for that subject (a feed, a worker, a venue, an account, or the desk); back
within it, the alert clears. The caller passes what is firing (from the log), so a rule
fires once until it clears, whatever restarts.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from domain.session import ist

DESK_SUBJECT = "desk"


@dataclass(frozen=True)
class Kind:
    """A figure an alert rule watches: its name on /metrics, its unit, whether it only
    counts in market hours, and the threshold a rule gets when it names none."""

    metric: str
    unit: str
    market_hours_only: bool = False
    default_threshold: Decimal = Decimal(0)


# Alert kind -> the figure it watches (a row per kind; the readings give each a value
# per subject).
KINDS: dict[str, Kind] = {
    "view_lag": Kind("desk_view_lag_events", "events"),
    "hot_path_p99": Kind(
        "desk_api_request_duration_seconds p99", "ms", default_threshold=Decimal(250)
    ),
    "feed_silent": Kind(
        "desk_feed_last_message_age_seconds",
        "s",
        market_hours_only=True,
        default_threshold=Decimal(60),
    ),
    "worker_down": Kind("desk_worker_lag_events", "events"),
    "reconciliation_break": Kind("desk_reconciliation_open_breaks", "breaks"),
    "daily_loss": Kind(
        "desk_daily_loss_limit_used", "of the limit", default_threshold=Decimal("0.8")
    ),
}


@dataclass(frozen=True)
class AlertRule:
    """Fire when `kind`'s figure is above `threshold` for `hold_seconds` (0: at once)."""

    name: str
    kind: str
    threshold: Decimal
    hold_seconds: int = 0

    @property
    def watches(self) -> Kind:
        return KINDS[self.kind]


@dataclass(frozen=True)
class OpenCard:
    """A card as the expiry warning needs it."""

    card_id: str
    account_id: str
    symbol: str
    side: str
    quantity: int
    expires_at: datetime | None
    status: str = "PROPOSED"


@dataclass(frozen=True)
class Readings:
    """The desk's figures at one moment: `values[kind][subject]`, wall time `at` (hold
    times), desk time (expiry), whether the market is open by the desk calendar, and the
    cards."""

    at: datetime
    desk_time: datetime
    market_open: bool
    values: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    cards: Sequence[OpenCard] = ()


@dataclass(frozen=True)
class Change:
    """An alert to record: fired (`fire`) or cleared, with what was seen."""

    rule: AlertRule
    subject: str
    fire: bool
    observed: Decimal
    evidence: str


def evaluate(
    rules: Sequence[AlertRule],
    readings: Readings,
    firing: Collection[tuple[str, str]],
    since: dict[tuple[str, str], datetime],
) -> list[Change]:
    """The alerts to fire and clear now; `since` (when each (rule, subject) began to
    breach) is kept up to date across calls. `firing`: the (rule, subject) pairs open."""
    changes: list[Change] = []
    for rule in rules:
        kind = rule.watches
        closed = kind.market_hours_only and not readings.market_open
        for subject, value in sorted(readings.values.get(rule.kind, {}).items()):
            key = (rule.name, subject)
            shown = f"{kind.metric}{{{subject}}} = {value} {kind.unit}"
            if value > rule.threshold and not closed:
                began = since.setdefault(key, readings.at)
                held = readings.at - began
                if key not in firing and held >= timedelta(seconds=rule.hold_seconds):
                    changes.append(
                        Change(
                            rule,
                            subject,
                            True,
                            value,
                            f"{shown} > {rule.threshold} since "
                            f"{ist(began):%H:%M:%S} IST ({int(held.total_seconds())} s)",
                        )
                    )
                continue
            since.pop(key, None)
            if key in firing:
                why = "outside market hours" if closed else f"≤ {rule.threshold}"
                changes.append(Change(rule, subject, False, value, f"{shown} {why}"))
    return changes


def expiring(
    cards: Sequence[OpenCard], now: datetime, lead: timedelta
) -> list[tuple[OpenCard, int]]:
    """The undecided cards expiring within `lead` of `now` (desk time), with the whole
    minutes left."""
    due = []
    for card in cards:
        if card.status != "PROPOSED" or card.expires_at is None:
            continue
        left = card.expires_at - now
        if timedelta(0) < left <= lead:
            due.append((card, int(left.total_seconds() // 60)))
    return due
