"""What runs now: each strategy version the log (or, failing that, the strategy file)
has running at a desk time, with the accounts it runs for.

A log without strategy events runs the strategy file exactly as the desk always has:
every strategy, for every account, in the file's order. Once the log has them, each
strategy it names runs as `projections.strategies` says (a published version, the file's
own, or none while paused or retired); strategies it does not name still run from the file.
Decisions read this at the causing event's position and desk time, never "latest".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from adapters.files.strategy_book import parse_strategy_definition
from domain.events import StrategyVersionPublished
from domain.ids import versioned_signal_key
from domain.strategy.book import Strategy, StrategyBook
from projections.desk import DeskView
from projections.strategies import FILE, StrategyState


@dataclass(frozen=True)
class Run:
    """One strategy version running, under a book where it stands for its strategy."""

    strategy: Strategy
    version_id: str
    book: StrategyBook
    accounts: frozenset[str] | None  # None: every account (the strategy file's default)
    signal_key: str  # what its signal ids name: the strategy, or the version if not the file's

    def runs_for(self, account_id: str) -> bool:
        return self.accounts is None or account_id in self.accounts


def running(view: DeskView, book: StrategyBook, at: datetime) -> list[Run]:
    """Every version running at desk time `at`, file strategies first in the file's order."""
    states = view.strategies.by_name
    from_file = _file_runs(book)
    if not states:
        return list(from_file.values())
    names = [*book.strategies, *sorted(set(states) - set(book.strategies))]
    runs: list[Run] = []
    for name in names:
        state = states.get(name)
        if state is None:
            runs.append(from_file[name])
            continue
        runs += _versions_running(state, view, book, at)
    return runs


def book_for_version(view: DeskView, book: StrategyBook, strategy: str,
                     version_id: str) -> StrategyBook:
    """The book a card of `version_id` was made under (the desk's book for the file's own
    version or an unknown one): what its guardrails are re-checked against."""
    state = view.strategies.by_name.get(strategy)
    published = state.versions.get(version_id) if state else None
    if published is None or version_id == file_version_id(book, strategy):
        return book
    return _with(book, published)


def _versions_running(state: StrategyState, view: DeskView, book: StrategyBook,
                      at: datetime) -> list[Run]:
    if state.paused:
        return []
    everyone, overrides = state.assignment(at)
    file_version = file_version_id(book, state.name)
    in_file = state.name in book.strategies
    by_version: dict[str | None, set[str]] = {}
    # Every account not overridden runs the default; only the overrides are looked at one
    # by one, so a desk of many accounts costs no more per bar than a desk of a few.
    paused = state.paused_accounts.keys()
    rest = view.accounts.keys() - overrides.keys() - paused
    if rest:
        by_version[everyone] = set(rest)
    for account_id, version_id in overrides.items():
        if account_id in view.accounts and account_id not in paused:
            by_version.setdefault(version_id, set()).add(account_id)
    if in_file and FILE in by_version:
        by_version.setdefault(file_version, set()).update(by_version.pop(FILE))
    runs = []
    for version_id, accounts in sorted((v, a) for v, a in by_version.items() if v):
        published = state.versions.get(version_id)
        if version_id == file_version and in_file:
            versioned = book
        elif published is None:
            continue  # the file's version of an older file: its definition is not known
        else:
            versioned = _with(book, published)
        runs.append(Run(versioned.strategies[state.name], version_id, versioned,
                        frozenset(accounts),
                        versioned_signal_key(state.name, version_id, file_version)))
    return runs


def file_version_id(book: StrategyBook, name: str) -> str:
    """The version id of the strategy file's own definition of `name`."""
    return book.version_ids.get(name) or f"{name}-file"


# Per desk book (the process has one or two): its file runs, and a book per published
# version with that version in place of the file's. Values only; the same for any view.
_BOOKS: dict[int, tuple[StrategyBook, dict[str, Run], dict[str, StrategyBook]]] = {}


def _cached(book: StrategyBook) -> tuple[dict[str, Run], dict[str, StrategyBook]]:
    held = _BOOKS.get(id(book))
    if held is None or held[0] is not book:
        runs = {name: Run(s, book.version_ids.get(name, ""), book, None, name)
                for name, s in book.strategies.items()}
        held = _BOOKS[id(book)] = (book, runs, {})
    return held[1], held[2]


def _file_runs(book: StrategyBook) -> dict[str, Run]:
    return _cached(book)[0]


def _with(book: StrategyBook, published: StrategyVersionPublished) -> StrategyBook:
    versioned = _cached(book)[1]
    if published.version_id not in versioned:
        strategy = _parsed(published.strategy, published.definition, published.label,
                           published.version_id)
        versioned[published.version_id] = replace(
            book, strategies={**book.strategies, strategy.name: strategy})
    return versioned[published.version_id]


@lru_cache(maxsize=256)
def _parsed(name: str, definition: str, label: str, version_id: str) -> Strategy:
    # Validated when published; parsed once per process per version.
    return parse_strategy_definition(name, definition, label, f"strategy {version_id}")
