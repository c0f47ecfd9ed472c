"""The notifications file's alert rules and expiry warning (`[alerts]`, optional):

    [alerts]
    every_seconds = 5                            # how often the figures are read
    card_expiry_warning_minutes = 5              # warn of undecided cards (0: never)
    workers = ["judge"]                          # log followers to watch besides the outboxes

    [[alerts.rules]]
    name = "view-behind"                         # names the alert in events and messages
    kind = "view_lag"                            # a row of `domain.alerts.KINDS`
    threshold = 1000                             # fire above it (default: the kind's)
    hold_seconds = 30                            # for this long (default 0: at once)

Kinds: view_lag (events), hot_path_p99 (ms), feed_silent (seconds, market hours only),
worker_down (events behind the log), reconciliation_break (open breaks per venue),
daily_loss (fraction of the account's daily loss limit used, default 0.8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.notify.secrets import NotifyConfigError
from domain.alerts import KINDS, AlertRule

DEFAULT_EVERY_SECONDS = 5.0
DEFAULT_EXPIRY_WARNING_MINUTES = 5
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class AlertConfig:
    """The rules, how often they are evaluated, the expiry warning's lead (None: off)
    and the extra workers watched."""

    rules: tuple[AlertRule, ...] = ()
    every_seconds: float = DEFAULT_EVERY_SECONDS
    expiry_lead: timedelta | None = timedelta(minutes=DEFAULT_EXPIRY_WARNING_MINUTES)
    workers: tuple[str, ...] = ()


def _number(raw: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise NotifyConfigError(f"{what}: a number") from None
    if not value.is_finite() or value < 0:
        raise NotifyConfigError(f"{what}: a number ≥ 0")
    return value


def _rule(raw: Any) -> AlertRule:
    if not isinstance(raw, dict):
        raise NotifyConfigError("[[alerts.rules]] entries must be tables")
    name, kind = str(raw.get("name", "")), str(raw.get("kind", ""))
    if not _NAME.match(name):
        raise NotifyConfigError(f"alert rule {name!r}: name is 1-63 of a-z 0-9 _ -")
    if kind not in KINDS:
        raise NotifyConfigError(f"alert rule {name!r}: kind is one of {', '.join(KINDS)}")
    threshold = _number(
        raw.get("threshold", KINDS[kind].default_threshold), f"alert rule {name!r} threshold"
    )
    hold = _number(raw.get("hold_seconds", 0), f"alert rule {name!r} hold_seconds")
    return AlertRule(name, kind, threshold, int(hold))


def parse_alerts(data: dict[str, Any]) -> AlertConfig:
    """The `[alerts]` section (defaults without one: no rules, warnings 5 minutes ahead)."""
    section = data.get("alerts", {})
    if not isinstance(section, dict):
        raise NotifyConfigError("[alerts] must be a table")
    rules = tuple(_rule(r) for r in section.get("rules", ()))
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise NotifyConfigError("each alert rule's name must be unique")
    every = float(
        _number(section.get("every_seconds", DEFAULT_EVERY_SECONDS), "alerts every_seconds")
    )
    if every <= 0:
        raise NotifyConfigError("alerts every_seconds: a number > 0")
    minutes = _number(
        section.get("card_expiry_warning_minutes", DEFAULT_EXPIRY_WARNING_MINUTES),
        "alerts card_expiry_warning_minutes",
    )
    workers = section.get("workers", [])
    if not isinstance(workers, list) or not all(isinstance(w, str) and w for w in workers):
        raise NotifyConfigError("alerts workers: a list of worker names")
    lead = timedelta(minutes=float(minutes)) if minutes else None
    return AlertConfig(rules, every, lead, tuple(workers))
