"""RiskGuard: the kill switch of one account, or of the whole desk."""

from __future__ import annotations

from decimal import Decimal

from domain.aggregates.base import Aggregate, Cause
from domain.events import KillSwitchReset, KillSwitchTripped
from domain.ids import RISK_PREFIX


class RiskGuard(Aggregate):
    stream_prefix = RISK_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.scope = stream_id.removeprefix(self.stream_prefix)
        self.tripped = False
        self.reason = ""

    def trip(self, reason: str, metric: str, value: Decimal, limit: Decimal, cause: Cause) -> None:
        """Halt new entries; tripping an already-tripped switch records nothing."""
        if self.tripped:
            return
        payload = KillSwitchTripped(
            scope=self.scope, reason=reason, metric=metric, value=value, limit=limit
        )
        self._record(payload, cause)

    def reset(self, reason: str, cause: Cause) -> None:
        if self.tripped:
            self._record(KillSwitchReset(scope=self.scope, reason=reason), cause)

    def _on_kill_switch_tripped(self, e: KillSwitchTripped) -> None:
        self.tripped, self.reason = True, e.reason

    def _on_kill_switch_reset(self, e: KillSwitchReset) -> None:
        self.tripped, self.reason = False, ""
