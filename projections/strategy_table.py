"""The strategies as an operator sees them: state, the version running for each account,
the versions published and the deployments, at a desk time. Pure; the CLI and the API
both present it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.strategy.book import StrategyBook
from projections.desk import DeskView
from projections.strategies import FILE, StrategyState


@dataclass(frozen=True)
class StrategyRow:
    name: str
    kind: str
    status: str  # running | paused | retired
    source: str  # "file": the strategy file, untouched by the log; "log": operator-managed
    running: dict[str, list[str]]  # version id -> the accounts it runs for ("*": all)
    file_version: str
    pause_reason: str
    paused_by: str
    versions: list[dict[str, str]]
    deployments: list[dict[str, Any]]
    paused_accounts: dict[str, str] | None = None  # account -> why, and who paused it
    cards: int = 0  # proposed (any status but blocked), every version, over the log
    closed_trades: int = 0  # the recent outcomes the meta-label's hit rate reads
    hit_rate: str | None = None


def strategy_table(view: DeskView, book: StrategyBook, at: datetime | None) -> list[StrategyRow]:
    """A row per strategy of the file or the log, file strategies first in file order."""
    states = view.strategies.by_name
    names = [*book.strategies, *sorted(set(states) - set(book.strategies))]
    # A blocked card's row does not name its strategy: only proposals are counted.
    proposed = Counter(c.strategy for c in view.cards.values() if c.status != "BLOCKED")
    rows = []
    for name in names:
        outcomes = view.research.outcomes.get(name, [])
        hit = f"{sum(outcomes) / len(outcomes):.2f}" if outcomes else None
        rows.append(replace(_row(name, states.get(name), view, book, at),
                            cards=proposed[name],
                            closed_trades=len(outcomes), hit_rate=hit))
    return rows


def strategy_json(row: StrategyRow) -> dict[str, Any]:
    """A row as JSON data."""
    return {
        "name": row.name, "kind": row.kind, "status": row.status, "source": row.source,
        "running": row.running, "file_version": row.file_version,
        "pause_reason": row.pause_reason, "paused_by": row.paused_by,
        "paused_accounts": row.paused_accounts or {},
        "versions": row.versions, "deployments": row.deployments, "cards": row.cards,
        "closed_trades": row.closed_trades, "hit_rate": row.hit_rate,
    }


def _row(name: str, state: StrategyState | None, view: DeskView, book: StrategyBook,
         at: datetime | None) -> StrategyRow:
    in_file = book.strategies.get(name)
    file_version = book.version_ids.get(name, "") if in_file else ""
    kind = in_file.kind.value if in_file else ""
    if state is None:
        return StrategyRow(name, kind, "running", "file", {file_version: ["*"]}, file_version,
                           "", "", [], [])
    running: dict[str, list[str]] = {}
    if not state.paused and at is not None:
        for account_id in sorted(view.accounts):
            version = state.version_for(account_id, at)
            version = file_version if version == FILE else version
            if version:
                running.setdefault(version, []).append(account_id)
    versions = [{"version_id": v.version_id, "sha256": v.sha256, "label": v.label,
                 "notes": v.notes, "published_by": state.published_by.get(v.version_id, "")}
                for v in state.versions.values()]
    if not kind and state.versions:
        kind = _last_kind(state)
    deployments = [{"version_id": d.version_id, "accounts": list(d.accounts) or ["*"],
                    "effective_from": d.effective_from.isoformat() if d.version_id else "",
                    "by": d.by, "reason": d.reason} for d in state.deployments]
    paused = {a: f"{why} ({by})" for a, (why, by) in sorted(state.paused_accounts.items())}
    return StrategyRow(name, kind, state.status, "log", running, file_version,
                       state.pause_reason, state.paused_by, versions, deployments, paused)


def _last_kind(state: StrategyState) -> str:
    # A definition is canonical JSON with a "kind" field: read it without the loader.
    definition = json.loads(list(state.versions.values())[-1].definition)
    return str(definition.get("kind", "")) if isinstance(definition, dict) else ""
