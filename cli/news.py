"""`desk news`: poll the configured news sources (RSS/Atom feeds, NSE announcements) into
a desk's store, through the same intake as `POST /api/v1/ingest/news`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from adapters.files.sample import SAMPLE_DIR, load_instruments
from adapters.news.config import NewsConfigError, load_pollers
from cli.options import add_store, store_url
from streams.bootstrap import bootstrap, wall_clock
from streams.news_intake import news_intake
from streams.news_pollers import SourceState, poll_once, run_pollers

T = TypeVar("T")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("news", help="poll news sources (RSS/Atom, NSE announcements) "
                       "into the desk")
    commands = p.add_subparsers(dest="news_command", required=True, metavar="COMMAND")
    poll = commands.add_parser("poll", help="poll the sources in a pollers file")
    poll.add_argument("--config", required=True, type=Path,
                      help="pollers file (YAML: interval_seconds, rss, nse)")
    poll.add_argument("--once", action="store_true", help="one round, then print counts")
    poll.add_argument("--instruments", type=Path, default=SAMPLE_DIR / "instruments.csv",
                      help="instrument master CSV items are linked against")
    add_store(poll)
    poll.set_defaults(func=_poll)


async def _direct(fn: Callable[[], T]) -> T:
    return fn()  # this process is the store's only writer here


def _poll(args: argparse.Namespace) -> int:
    try:
        config = load_pollers(args.config)
    except NewsConfigError as e:
        print(f"desk news: {e}", file=sys.stderr)
        return 2
    desk = bootstrap(store_url(args), load_instruments(args.instruments), clock=wall_clock)
    intake = news_intake(desk)
    states: dict[str, SourceState] = {}

    async def main() -> None:
        sources = config.sources()
        if args.once:
            try:
                await poll_once(sources, intake, _direct, wall_clock, states)
            finally:
                for source in sources:
                    await source.close()
        else:
            await run_pollers(sources, intake, _direct, wall_clock, config.interval_seconds,
                              asyncio.Event(), states)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    finally:
        desk.store.close()
    for state in states.values():
        print(json.dumps({"channel": state.channel, "polls": state.polls, **state.counts,
                          "last_error": state.last_error}))
    return 0
