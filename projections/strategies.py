"""Which version of which strategy runs for which account, and whether it is paused: a
pure fold of the strategy lifecycle events.

A strategy the log says nothing about runs from the strategy file, for every account, as
it always has (`FILE`). Deployments apply in log order once their desk time has come: to
every account (replacing earlier deployments) or to a list (overriding those accounts).
A pause, a resume and a retirement act from the next event on, whatever its desk time; a
pause or resume may name accounts, and then acts on those accounts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from domain.events import (
    StrategyDeployed,
    StrategyPaused,
    StrategyResumed,
    StrategyRetired,
    StrategyVersionPublished,
)

if TYPE_CHECKING:
    from domain.events import Envelope
    from projections.desk import DeskView

FILE = ""  # the version id that stands for "the strategy file's version"
# A retirement applies from the next event on, whatever that event's desk time.
_ALWAYS = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Deployment:
    """`version_id` (None: retired) for `accounts` (empty: all) from `effective_from`."""

    version_id: str | None
    accounts: tuple[str, ...]
    effective_from: datetime
    by: str
    reason: str


@dataclass
class StrategyState:
    name: str
    versions: dict[str, StrategyVersionPublished] = field(default_factory=dict)
    published_by: dict[str, str] = field(default_factory=dict)
    deployments: list[Deployment] = field(default_factory=list)
    paused: bool = False
    pause_reason: str = ""
    paused_by: str = ""
    # Accounts paused one by one: account -> (reason, by whom).
    paused_accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    retired: bool = False

    def assignment(self, at: datetime) -> tuple[str | None, dict[str, str | None]]:
        """The version for every account and the per-account overrides, at desk time `at`."""
        everyone: str | None = FILE
        overrides: dict[str, str | None] = {}
        for d in self.deployments:
            if d.effective_from > at:
                continue
            if d.accounts:
                overrides.update(dict.fromkeys(d.accounts, d.version_id))
            else:
                everyone, overrides = d.version_id, {}
        return everyone, overrides

    def version_for(self, account_id: str, at: datetime) -> str | None:
        """The version running for `account_id` at `at` (FILE: the file's; None: none)."""
        if self.paused or account_id in self.paused_accounts:
            return None
        everyone, overrides = self.assignment(at)
        return overrides.get(account_id, everyone)

    @property
    def status(self) -> str:
        return "retired" if self.retired else "paused" if self.paused else "running"


@dataclass
class Strategies:
    by_name: dict[str, StrategyState] = field(default_factory=dict)

    def state(self, name: str) -> StrategyState:
        return self.by_name.setdefault(name, StrategyState(name))


def apply_strategies(view: DeskView, event: Envelope) -> None:
    """Fold one strategy lifecycle event into `view.strategies`."""
    p = event.payload
    state = view.strategies.state(p.strategy)  # type: ignore[attr-defined]
    if isinstance(p, StrategyVersionPublished):
        state.versions[p.version_id] = p
        state.published_by[p.version_id] = event.actor
    elif isinstance(p, StrategyDeployed):
        state.deployments.append(Deployment(p.version_id, p.accounts, p.effective_from,
                                            event.actor, p.reason))
        state.retired = False
    elif isinstance(p, StrategyPaused) and p.accounts:
        state.paused_accounts.update(dict.fromkeys(p.accounts, (p.reason, p.paused_by)))
    elif isinstance(p, StrategyPaused):
        state.paused, state.pause_reason, state.paused_by = True, p.reason, p.paused_by
        state.paused_accounts = {}
    elif isinstance(p, StrategyResumed) and p.accounts:
        for account_id in p.accounts:
            state.paused_accounts.pop(account_id, None)
    elif isinstance(p, StrategyResumed):
        state.paused, state.pause_reason, state.paused_by = False, "", ""
        state.paused_accounts = {}
    elif isinstance(p, StrategyRetired):
        state.deployments.append(Deployment(None, p.accounts, _ALWAYS, p.retired_by,
                                            p.reason))
        if not p.accounts:  # for some accounts: the others keep running it
            state.retired, state.paused, state.paused_accounts = True, False, {}
