"""RiskGuard: the kill switch of one account, or of the whole desk."""

from __future__ import annotations

from decimal import Decimal

from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.events import DESK_SCOPE, DeskLossLimitSet, KillSwitchReset, KillSwitchTripped
from domain.ids import RISK_PREFIX


class RiskGuard(Aggregate):
    stream_prefix = RISK_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.scope = stream_id.removeprefix(self.stream_prefix)
        self.tripped = False
        self.reason = ""
        self.loss_limit: Decimal | None = None  # the desk's daily loss limit, when set

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

    def set_loss_limit(self, limit: Decimal, reason: str, cause: Cause) -> None:
        """Set the desk-wide daily loss limit (zero: off); only the desk's guard has one."""
        if self.scope != DESK_SCOPE:
            raise DomainError("a loss limit beside the mandate's is set for the desk only")
        if limit < 0:
            raise DomainError(f"the desk loss limit must be zero or more, not {limit}")
        if not reason.strip():
            raise DomainError("a loss limit needs a reason")
        if limit == (self.loss_limit or 0):
            return
        self._record(DeskLossLimitSet(scope=self.scope, limit=limit, reason=reason.strip()), cause)

    def _on_desk_loss_limit_set(self, e: DeskLossLimitSet) -> None:
        self.loss_limit = e.limit or None

    def _on_kill_switch_tripped(self, e: KillSwitchTripped) -> None:
        self.tripped, self.reason = True, e.reason

    def _on_kill_switch_reset(self, e: KillSwitchReset) -> None:
        self.tripped, self.reason = False, ""
