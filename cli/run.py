"""`desk run --feeds FILE`: the desk live in one process, on the embedded runtime.

The API and console, the live market feeds the file configures (Upstox V3, Kite ticker),
each folded into one-minute bars written through the API's write gate, the desk's
handlers reacting as the bars commit, and the scheduler's daily jobs at their times.
Each feed's state (connected, last message, lag, reconnects) is on `/ready` and `/metrics`.
Live sources are rows of `SOURCES`: a source kind reads its part of the config file and
returns what to run, so other inputs start beside the feeds by adding a row.

`--runtime kafka` writes the same inputs to the store's log for the relay, and the faust
workers decide (see `cli/run_runtimes.py`).

`--news-config FILE` polls the news sources of a pollers file (as `desk serve`) through the
webhook's intake. `--clock feed` takes the desk's time from the feeds' ticks (a simulated
or replayed session at any pace; see `streams/feed_clock.py`). On stop the desk saves its
view, so `desk replay verify` compares a rebuild from the log with the live state.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import structlog

from adapters.eventstore.url import redact
from adapters.feeds.config import FeedConfigError, load_feeds
from adapters.files.sample import SAMPLE_DIR, load_instruments
from adapters.news.config import NewsConfigError, PollersConfig, load_pollers
from adapters.notify.config import NotifyConfig, NotifyConfigError
from adapters.notify.config import load as load_notify
from api import tokens as api_tokens
from api.app import create_app
from api.context import STATE
from api.gate import DeskGate
from api.server import start
from api.signing import SigningConfigError, load_key
from cli.options import add_kafka, add_store, kafka_bootstrap, store_url
from cli.run_runtimes import RUNTIMES, LiveRuntime, StackOptions
from cli.schedule import add_reports
from cli.serve import poll_news
from cli.serve_notify import attach, run_outbox
from domain.inputs import InputFact
from domain.ticks import FeedStatus
from streams.bootstrap import wall_clock
from streams.feed import Writer
from streams.feed_clock import ClockedFeed, FeedClock, FeedTimeline
from streams.live_bars import LiveBars, Sink
from streams.live_jobs import run_jobs
from streams.ports import Clock, Timeline
from streams.scheduler import RealTimeline, Scheduler, daily_jobs

log = structlog.get_logger("eventdesk.run")


class LiveSource:
    """Something `desk run` keeps running: a loop to run, and its state for operators."""

    def __init__(self, name: str, run: Callable[[], Coroutine[Any, Any, None]],
                 status: Callable[[], FeedStatus | None]) -> None:
        self.name = name
        self.run = run
        self.status = status


def market_feeds(path: Path, env: Mapping[str, str], sink: Sink,
                 clock: Clock) -> list[LiveSource]:
    """Each configured market feed, folded into bars (closed by `clock`) and written
    through `sink`; with a `FeedClock`, each feed's ticks move it."""
    sources = []
    for feed in load_feeds(path, env, wall_clock):
        fed = ClockedFeed(feed, clock) if isinstance(clock, FeedClock) else feed
        live = LiveBars(fed, sink, clock)
        sources.append(LiveSource(feed.name, live.run, feed.status))
    return sources


# source kind -> how to build its sources from the config file, given where facts go and
# the desk's clock
SOURCES: dict[str, Callable[[Path, Mapping[str, str], Sink, Clock], list[LiveSource]]] = {
    "feeds": market_feeds,
}

# --clock -> the desk's clock and the scheduler's timeline
CLOCKS: dict[str, Callable[[], tuple[Clock, Timeline]]] = {
    "wall": lambda: (wall_clock, RealTimeline()),
    "feed": lambda: _feed_clock(FeedClock(wall_clock)),
}


def _feed_clock(clock: FeedClock) -> tuple[Clock, Timeline]:
    return clock, FeedTimeline(clock)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="the desk live: API, console and live feeds in one process")
    add_store(p)
    p.add_argument("--feeds", type=Path, required=True, metavar="FILE",
                   help="YAML/JSON naming the feeds and instruments to subscribe "
                   "(secrets come from the environment, see README 'Live data')")
    p.add_argument("--news-config", type=Path, default=None, metavar="FILE",
                   help="poll the news sources of this pollers file (see desk news poll) "
                   "through the webhook's intake")
    p.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                   help="the desk's time: wall (default), or feed: the latest tick time "
                   "the feeds sent (a simulated session at any pace)")
    p.add_argument("--runtime", choices=sorted(RUNTIMES), default="embedded",
                   help="embedded (the desk decides in this process, default) or kafka (the "
                   "inputs go to the log; `desk relay` and `desk worker` decide)")
    add_kafka(p)
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="--runtime kafka: start the relay and N faust workers with this desk, "
                   "restart a stalled one, and save their view on stop (default 0: they run "
                   "elsewhere)")
    p.add_argument("--log-dir", default=".desk/logs", metavar="DIR",
                   help="where the relay and workers this desk starts write their logs")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    p.add_argument("--data", default=str(SAMPLE_DIR), help="folder of instruments.csv")
    p.add_argument("--tokens", type=Path, default=None, metavar="FILE",
                   help="API tokens, one 'name:role:token' a line (default: $DESK_API_TOKENS)")
    p.add_argument("--notify-config", type=Path, default=None, metavar="FILE",
                   help="tell operators (Telegram, Discord, webhook, email), let them approve "
                   "from a message, and raise the file's alerts, e.g. a feed silent in "
                   "market hours (see README, Notifications)")
    add_reports(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.workers < 0 or (args.workers and args.runtime != "kafka"):
        print("desk run: --workers takes 0 or more, and only with --runtime kafka",
              file=sys.stderr)
        return 2
    structlog.configure(
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    )
    try:
        tokens = api_tokens.load(args.tokens)
        load_key()  # a bad ingest key stops the start here, not the first webhook call
        news = load_pollers(args.news_config) if args.news_config else None
        notify = load_notify(args.notify_config) if args.notify_config else None
    except (api_tokens.TokenConfigError, SigningConfigError, NewsConfigError,
            NotifyConfigError, OSError) as e:
        print(f"desk run: {e}", file=sys.stderr)
        return 2
    if tokens is None:
        print("desk run: no API tokens; give --tokens FILE or set "
              f"{api_tokens.ENV_VAR}=name:role:token,...", file=sys.stderr)
        return 2
    url = store_url(args)
    clock, timeline = CLOCKS[args.clock]()
    stack = StackOptions(kafka_bootstrap(args), args.partitions, args.namespace, args.workers,
                         Path(args.log_dir))
    live = RUNTIMES[args.runtime](url, load_instruments(Path(args.data) / "instruments.csv"),
                                  clock, stack)
    desk = live.desk
    gate = DeskGate()

    async def sink(facts: list[InputFact]) -> int:
        return await gate.write(lambda: desk.runtime.ingest(facts))

    try:
        sources = [s for build in SOURCES.values()
                   for s in build(args.feeds, os.environ, sink, clock)]
    except FeedConfigError as e:
        print(f"desk run: {e}", file=sys.stderr)
        return 2
    scheduler = Scheduler(desk, timeline, daily_jobs(reports=args.reports))
    sources.append(LiveSource("scheduler", partial(_scheduled, clock, scheduler, gate.write),
                              lambda: None))
    print(f"store: {redact(url)}; log head {desk.store.head()}; clock {args.clock}; live "
          f"sources: {', '.join(s.name for s in sources)}"
          f"{', news' if news else ''}; {live.note}", flush=True)
    try:
        asyncio.run(_serve(live, tokens, gate, sources, args.host, args.port, news, notify))
    finally:
        # Out of the event loop: the Kafka runtime's waits for its workers block.
        live.stopped()  # the view `desk replay verify` compares a rebuild with
        log.info("desk run stopped", log_head=desk.store.head())
    return 0


async def _scheduled(clock: Clock, scheduler: Scheduler,
                     write: Writer) -> None:
    """The scheduler's jobs; on the feed clock, once the session's first tick has come
    (before it, the desk knows no session day to run jobs for)."""
    while isinstance(clock, FeedClock) and not clock.started:
        await asyncio.sleep(0.25)
    await run_jobs(scheduler, write)


async def _serve(live: LiveRuntime, tokens: api_tokens.Tokens, gate: DeskGate,
                 sources: list[LiveSource], host: str, port: int,
                 news: PollersConfig | None, notify: NotifyConfig | None = None) -> None:
    desk = live.desk
    app = create_app(desk, tokens, gate=gate)
    app[STATE].feeds = lambda: [f for f in (s.status() for s in sources) if f is not None]
    channels = attach(app, notify) if notify else None  # before the app starts
    runner, bound = await start(app, host, port)
    print(f"serving http://{host}:{bound}/ (console /, API /api/v1, ready /ready, "
          "metrics /metrics)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(s.run(), name=s.name) for s in sources]
    follow = live.follow(gate.write, stop)
    tasks += [follow] if follow is not None else []
    if news is not None:
        tasks.append(asyncio.create_task(poll_news(desk, app, news, stop), name="news"))
    if notify is not None and channels is not None:
        tasks.append(asyncio.create_task(run_outbox(desk, gate, notify, channels, stop),
                                         name="notify"))
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runner.cleanup()
        gate.close()
