"""What resolving "which strategy versions run now" costs per decision, side by side:
the strategy file alone (a log with no strategy events, the desk as before) against a log
that manages strategies (a new momentum version on a fifth of the accounts, mean reversion
paused, the rest from the file).

    uv run python -m bench.strategy_runs [--accounts 50] [--calls 20000]

`streams.strategy_runs.running` is called once per closed bar and per tagged news item in
the allocation process manager; this times it alone on a folded view (untimed setup), and
prints microseconds per call for each mode and their ratio. Figures depend on the machine
and its load: run twice and read the spread.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from adapters.files.strategy_book import BOOK_PATH, default_book, strategy_definitions
from domain.aggregates import Account, Cause, StrategyLifecycle
from domain.events import Envelope, StrategyVersionPublished
from domain.ids import account_stream, strategy_stream
from projections.desk import DeskView, apply
from streams.strategy_runs import running

AT = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)


def _view(events: list[Envelope]) -> DeskView:
    view = DeskView()
    for position, event in enumerate(events, start=1):
        apply(view, event, position)
    return view


def views(accounts: int) -> tuple[DeskView, DeskView]:
    """(file only, managed) views over the same accounts."""
    cause = Cause(AT, AT, "operator:bench", "bench")
    opened: list[Envelope] = []
    ids = [f"acc-{i:03d}" for i in range(accounts)]
    for account_id in ids:
        account = Account(account_stream(account_id))
        account.open(account_id, cause)
        opened += account.collect_events()
    text = BOOK_PATH.read_text().replace("    expiry_minutes: 10\n", "    expiry_minutes: 12\n",
                                         1)
    v2 = next(d for d in strategy_definitions(text) if d.name == "momentum")
    momentum = StrategyLifecycle(strategy_stream("momentum"))
    momentum.publish(StrategyVersionPublished(
        strategy="momentum", version_id=v2.version_id, sha256=v2.sha256,
        definition=v2.definition, label=v2.label), cause)
    momentum.deploy(v2.version_id, tuple(ids[::5]), AT, "a fifth first", cause)
    reversion = StrategyLifecycle(strategy_stream("mean_reversion"))
    reversion.pause("bench", cause)
    managed = opened + momentum.collect_events() + reversion.collect_events()
    return _view(opened), _view(managed)


def per_call_us(view: DeskView, calls: int) -> float:
    book = default_book()
    running(view, book, AT)  # parse the published version once, as the desk does
    start = time.perf_counter()
    for _ in range(calls):
        running(view, book, AT)
    return (time.perf_counter() - start) / calls * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.strategy_runs")
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args(argv)
    file_only, managed = views(args.accounts)
    plain, logged = per_call_us(file_only, args.calls), per_call_us(managed, args.calls)
    print(f"running() with {args.accounts} accounts, {args.calls} calls each")
    print(f"  strategy file only (no strategy events): {plain:8.2f} us/call")
    print(f"  log-managed (v2 on 1/5, one paused):     {logged:8.2f} us/call")
    print(f"  ratio log-managed / file only: {logged / plain:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
