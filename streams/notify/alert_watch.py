"""The alert watch: the desk's figures read every few seconds, off the hot path, and each
alert rule's firing and clearing recorded as an event; the outboxes then tell operators
through the same channels as everything else. It also warns, once per card, that an
undecided card is about to expire.

What is firing is rebuilt from the log when the watch starts (each alert's stream refuses
a second firing while one is open), so a restart neither repeats nor forgets an alert.
Hold times restart with the watch: an alert still breaching fires after its hold again
only if it had not fired already.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import structlog

from adapters.eventstore.store import DeskStore
from domain.aggregates import Cause
from domain.aggregates.alert import Alert, ExpiryWarning
from domain.alerts import AlertRule, Change, Readings, evaluate, expiring
from domain.events import AlertCleared, AlertFired, CardExpiring
from domain.ids import alert_stream, expiry_warning_stream
from streams.ports import Clock

log = structlog.get_logger("eventdesk.alerts")

T = TypeVar("T")
Write = Callable[[Callable[[], Any]], Awaitable[Any]]
ACTOR = "alerts"
DEFAULT_EXPIRY_LEAD = timedelta(minutes=5)


async def _inline(fn: Callable[[], T]) -> T:
    return fn()


class AlertWatch:
    """Evaluates `rules` on what `read` returns and warns of cards expiring within
    `expiry_lead` (None: no warnings), recording each change in `store`."""

    def __init__(
        self,
        store: DeskStore,
        rules: Sequence[AlertRule],
        read: Callable[[], Awaitable[Readings]],
        clock: Clock,
        *,
        write: Write | None = None,
        expiry_lead: timedelta | None = DEFAULT_EXPIRY_LEAD,
    ) -> None:
        self.store = store
        self.rules = tuple(rules)
        self.read = read
        self.clock = clock
        self.expiry_lead = expiry_lead
        self._writer: Write = write or _inline
        self._firing: set[tuple[str, str]] | None = None
        self._since: dict[tuple[str, str], datetime] = {}
        self._warned: set[str] = set()

    async def _write(self, fn: Callable[[], T]) -> T:
        return cast(T, await self._writer(fn))

    async def run(self, stop: asyncio.Event, every_seconds: float = 5.0) -> None:
        """Evaluate every `every_seconds` until `stop` is set; a failed round is logged."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # a store or reading hiccup: try again next round, never die
                log.exception("alert evaluation failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_seconds)

    async def run_once(self) -> list[Any]:
        """One round: the events recorded (alerts fired and cleared, expiry warnings)."""
        if self._firing is None:
            self._firing = await self._write(self._open_alerts)
        readings = await self.read()
        changes = evaluate(self.rules, readings, self._firing, self._since)
        warnings = self._warnings(readings)
        if not changes and not warnings:
            return []
        recorded: list[Any] = await self._write(lambda: self._record(changes, warnings, readings))
        for change in changes:
            key = (change.rule.name, change.subject)
            (self._firing.add if change.fire else self._firing.discard)(key)
        return recorded

    def _open_alerts(self) -> set[tuple[str, str]]:
        """The (rule, subject) alerts fired and not cleared, as the log has them."""
        open_: set[tuple[str, str]] = set()
        types = (AlertFired.event_type, AlertCleared.event_type)
        after = 0
        while page := self.store.read(after, 1000, types):
            for rec in page:
                p = rec.event.payload
                if isinstance(p, AlertFired):
                    open_.add((p.rule, p.subject))
                elif isinstance(p, AlertCleared):
                    open_.discard((p.rule, p.subject))
            after = page[-1].position
        return open_

    def _warnings(self, readings: Readings) -> list[CardExpiring]:
        if self.expiry_lead is None:
            return []
        return [
            CardExpiring(
                card_id=c.card_id,
                account_id=c.account_id,
                symbol=c.symbol,
                side=c.side,
                quantity=c.quantity,
                expires_at=c.expires_at,
                minutes_left=left,
            )
            for c, left in expiring(readings.cards, readings.desk_time, self.expiry_lead)
            if c.card_id not in self._warned
        ]

    def _record(
        self, changes: list[Change], warnings: list[CardExpiring], readings: Readings
    ) -> list[Any]:
        """Write the changes and warnings in one commit; what the streams accepted."""
        cause = Cause(readings.desk_time, self.clock(), ACTOR, f"alerts-{readings.at:%Y%m%d}")
        aggregates: list[Alert | ExpiryWarning] = []
        recorded: list[AlertFired | AlertCleared | CardExpiring] = []
        for change in changes:
            alert = self.store.load(Alert, alert_stream(change.rule.name, change.subject))
            rule, kind = change.rule, change.rule.watches
            fields = dict(
                rule=rule.name,
                kind=rule.kind,
                subject=change.subject,
                metric=kind.metric,
                observed=change.observed,
                threshold=rule.threshold,
                evidence=change.evidence[:500],
            )
            event = AlertFired(**fields) if change.fire else AlertCleared(**fields)
            if (
                alert.fire(event, cause)
                if isinstance(event, AlertFired)
                else alert.clear(event, cause)
            ):
                aggregates.append(alert)
                recorded.append(event)
                log.warning(
                    "alert fired" if change.fire else "alert cleared",
                    rule=rule.name,
                    subject=change.subject,
                    observed=str(change.observed),
                )
        for warning in warnings:
            self._warned.add(warning.card_id)
            card = self.store.load(ExpiryWarning, expiry_warning_stream(warning.card_id))
            if card.warn(warning, cause):
                aggregates.append(card)
                recorded.append(warning)
        self.store.commit(*aggregates)
        return list(recorded)
