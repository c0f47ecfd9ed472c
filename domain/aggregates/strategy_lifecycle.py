"""One named strategy's lifecycle: the versions published, where they run, paused or not.

The stream starts with any of its commands: a strategy from the strategy file can be
paused or retired without publishing it first. What is known about the file (its
strategies and their version ids) is checked by the caller, which has the book.
"""

from __future__ import annotations

from datetime import datetime

from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.events import (
    StrategyDeployed,
    StrategyPaused,
    StrategyResumed,
    StrategyRetired,
    StrategyVersionPublished,
)
from domain.ids import STRATEGY_PREFIX


class StrategyLifecycle(Aggregate):
    stream_prefix = STRATEGY_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.versions: dict[str, StrategyVersionPublished] = {}
        self.paused = False  # for every account
        self.paused_accounts: set[str] = set()  # paused one by one
        self.retired = False

    @property
    def name(self) -> str:
        return self.id.removeprefix(STRATEGY_PREFIX)

    def publish(self, version: StrategyVersionPublished, cause: Cause) -> None:
        """Record a validated definition; the same definition twice is one version."""
        if version.strategy != self.name:
            raise DomainError(f"version of {version.strategy} on {self.name}'s stream")
        if version.version_id in self.versions:
            raise DomainError(f"{self.name} already has this definition as version "
                              f"{version.version_id}")
        self._record(version, cause)

    def deploy(self, version_id: str, accounts: tuple[str, ...], effective_from: datetime,
               reason: str, cause: Cause, file_version_id: str = "") -> None:
        """Run `version_id` for `accounts` (empty: all) from `effective_from`; the strategy
        file's own version may be deployed without publishing it."""
        if version_id not in self.versions and version_id != file_version_id:
            known = ", ".join(sorted(self.versions)) or "none published"
            raise DomainError(f"{self.name} has no version {version_id} (known: {known})")
        self._record(StrategyDeployed(
            strategy=self.name, version_id=version_id, accounts=tuple(sorted(set(accounts))),
            effective_from=effective_from, reason=reason), cause)

    def pause(self, reason: str, cause: Cause, accounts: tuple[str, ...] = ()) -> None:
        """Stop new signals for `accounts` (empty: every account) from the next event on."""
        if self.retired:
            raise DomainError(f"{self.name} is retired; deploy a version to run it again")
        if self.paused:
            raise DomainError(f"{self.name} is already paused for every account")
        if accounts and set(accounts) <= self.paused_accounts:
            raise DomainError(f"{self.name} is already paused for {', '.join(sorted(accounts))}")
        self._record(StrategyPaused(strategy=self.name, reason=reason, paused_by=cause.actor,
                                    accounts=tuple(sorted(set(accounts)))), cause)

    def resume(self, reason: str, cause: Cause, accounts: tuple[str, ...] = ()) -> None:
        """Signals again for `accounts` (empty: every paused account) from the next event on."""
        if not self.paused and not self.paused_accounts:
            raise DomainError(f"{self.name} is not paused")
        if accounts and self.paused:
            raise DomainError(f"{self.name} is paused for every account: resume it for all, "
                              f"then pause the accounts that should stay paused")
        running = sorted(set(accounts) - self.paused_accounts)
        if running:
            raise DomainError(f"{self.name} is not paused for {', '.join(running)}")
        self._record(StrategyResumed(strategy=self.name, reason=reason, resumed_by=cause.actor,
                                     accounts=tuple(sorted(set(accounts)))), cause)

    def retire(self, reason: str, cause: Cause, accounts: tuple[str, ...] = ()) -> None:
        """Run it for `accounts` (empty: every account) no more, from the next event on."""
        if self.retired:
            raise DomainError(f"{self.name} is already retired")
        self._record(StrategyRetired(strategy=self.name, reason=reason,
                                     retired_by=cause.actor,
                                     accounts=tuple(sorted(set(accounts)))), cause)

    def _on_strategy_version_published(self, e: StrategyVersionPublished) -> None:
        self.versions[e.version_id] = e

    def _on_strategy_deployed(self, e: StrategyDeployed) -> None:
        self.retired = False

    def _on_strategy_paused(self, e: StrategyPaused) -> None:
        if e.accounts:
            self.paused_accounts.update(e.accounts)
        else:
            self.paused, self.paused_accounts = True, set()

    def _on_strategy_resumed(self, e: StrategyResumed) -> None:
        if e.accounts:
            self.paused_accounts -= set(e.accounts)
        else:
            self.paused, self.paused_accounts = False, set()

    def _on_strategy_retired(self, e: StrategyRetired) -> None:
        if not e.accounts:
            self.retired, self.paused, self.paused_accounts = True, False, set()
