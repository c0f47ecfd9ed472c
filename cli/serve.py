"""`desk serve`: the desk's HTTP API; `--demo` feeds the sample day.

`--runtime embedded` (the default) runs the desk's handlers in this process.
`--runtime kafka` runs none here: the API serves the read model the relay's and faust
workers' runtime publishes (`WorkerViews`) and commits commands for the relay; with
`--demo` it starts that relay and `--workers` workers itself and stops them on exit.

In demo mode nobody approves automatically: cards arrive and wait for a human with an
approver token. Without configured tokens (`--tokens FILE` or `$DESK_API_TOKENS`), demo
mode makes a viewer, an approver and an admin token and prints them once.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType

import structlog
from aiohttp import web

from adapters.brokers.logins import Link
from adapters.eventstore.url import redact
from adapters.files.sample import SAMPLE_DIR, load_instruments
from adapters.news.config import NewsConfigError, PollersConfig, load_pollers
from adapters.notify.config import NotifyConfig, NotifyConfigError
from adapters.notify.config import load as load_notify
from api import logs
from api import tokens as api_tokens
from api.app import create_app
from api.context import DEFAULT_MAX_SSE_CLIENTS, STATE
from api.gate import DeskGate
from api.server import start
from api.signing import SigningConfigError, load_key
from cli.options import add_kafka, add_store, kafka_bootstrap, store_url
from cli.serve_notify import attach, run_outbox
from cli.serve_venues import linked, run_venues
from domain.instruments import Instrument
from streams.bootstrap import AnyDesk, bootstrap, bootstrap_worker_views, wall_clock
from streams.embedded import EmbeddedRuntime
from streams.feed import feed_day_paced, sample_day
from streams.follow import follow_commits
from streams.judge import build_reviewer
from streams.news_intake import news_intake
from streams.news_pollers import run_pollers
from streams.review_worker import ReviewWorker
from streams.routing.reconcile import DEFAULT_RECONCILE_SECONDS

log = structlog.get_logger("eventdesk.serve")

DEMO_ROLES = {"viewer": api_tokens.Role.VIEWER, "approver": api_tokens.Role.APPROVER,
              "admin": api_tokens.Role.ADMIN}
SETUP_ACTOR = "operator:desk-serve"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the desk's HTTP API and console")
    add_store(p)
    p.add_argument("--runtime", choices=("embedded", "kafka"), default="embedded",
                   help="embedded (handlers in this process, default) or kafka (relay + "
                   "faust workers decide; the API serves their views)")
    add_kafka(p, namespace=False)  # with --demo: topics of the store's own
    p.add_argument("--workers", type=int, default=1,
                   help="kafka --demo: faust workers to start (default 1)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    p.add_argument("--demo", action="store_true",
                   help="open the sample accounts and feed the sample day; cards wait for a "
                   "human approver")
    p.add_argument("--pace", type=float, default=0.2,
                   help="demo: wall seconds per minute of desk time (default 0.2)")
    p.add_argument("--data", default=str(SAMPLE_DIR), help="sample data folder")
    p.add_argument("--news-config", type=Path, default=None, metavar="FILE",
                   help="poll the news sources of this pollers file (see desk news poll) "
                   "while serving, through the webhook's intake")
    p.add_argument("--notify-config", type=Path, default=None, metavar="FILE",
                   help="tell operators on Telegram and let them approve from a message "
                   "(a TOML file; see README, Notifications)")
    p.add_argument("--tokens", type=Path, default=None, metavar="FILE",
                   help="API tokens, one 'name:role:token' a line (default: $DESK_API_TOKENS)")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="a host name the API answers to besides loopback (repeatable); "
                   "requests naming any other Host get 421")
    p.add_argument("--max-sse-clients", type=int, default=DEFAULT_MAX_SSE_CLIENTS,
                   metavar="N", help="live event feed clients served at once; more get 503 "
                   f"with Retry-After (default {DEFAULT_MAX_SSE_CLIENTS})")
    p.add_argument("--reconcile-seconds", type=float, default=DEFAULT_RECONCILE_SECONDS,
                   metavar="N", help="reconcile each linked remote broker (desk "
                   f"broker add) every N seconds (default {DEFAULT_RECONCILE_SECONDS:g})")
    p.add_argument("--verbose", action="store_true", help="log every request (debug level)")
    p.add_argument("--reviews", choices=("auto", "llm", "rules", "off"), default="off",
                   help="embedded: run the judge's review worker beside the API (auto = the "
                   "model when OPENAI_BASE_URL/OPENAI_API_KEY is set, else the rules)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    # Logs go to stderr: stdout carries the address and, in demo mode, the tokens.
    logs.configure(args.verbose)
    try:
        tokens = api_tokens.load(args.tokens)
        load_key()  # a bad ingest key stops the start here, not the first webhook call
        news = load_pollers(args.news_config) if args.news_config else None
        notify = load_notify(args.notify_config) if args.notify_config else None
    except (api_tokens.TokenConfigError, SigningConfigError, NewsConfigError,
            NotifyConfigError, OSError) as e:
        print(f"desk serve: {e}", file=sys.stderr)
        return 2
    if tokens is None:
        if not args.demo:
            print("desk serve: no API tokens; give --tokens FILE or set "
                  f"{api_tokens.ENV_VAR}=name:role:token,...", file=sys.stderr)
            return 2
        tokens, plain = api_tokens.generate(DEMO_ROLES)
        print("demo tokens, generated for this run and shown only now (the server keeps "
              "their hashes):")
        for name, token in plain.items():
            print(f"  {name:<9} {token}")
    if args.pace < 0:
        print("desk serve: --pace must be >= 0", file=sys.stderr)
        return 2
    if args.reconcile_seconds <= 0:
        print("desk serve: --reconcile-seconds must be > 0", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("desk serve: --workers must be >= 1", file=sys.stderr)
        return 2
    url = store_url(args)
    data = Path(args.data)
    instruments = load_instruments(data / "instruments.csv")
    if args.runtime == "embedded":
        links, routes = linked(url)  # accounts at a remote broker trade there
        desk: AnyDesk = bootstrap(url, instruments, clock=wall_clock, routes=routes)
        print(f"store: {redact(url)}; log head {desk.store.head()}")
        asyncio.run(_serve(desk, tokens, args, data if args.demo else None, news=news,
                           notify=notify, venues=links))
        return 0
    return _run_kafka(args, url, data, instruments, tokens, notify)


def _run_kafka(args: argparse.Namespace, url: str, data: Path,
               instruments: dict[str, Instrument], tokens: api_tokens.Tokens,
               notify: NotifyConfig | None = None) -> int:
    """Serve the workers' views; with `--demo`, run the relay and workers too."""
    from streams.kafka.stack import KafkaStack, demo_namespace, wait_for_process_managers

    desk = bootstrap_worker_views(url, instruments, wall_clock)
    print(f"store: {redact(url)}; log head {desk.store.head()}; runtime kafka")
    links, _ = linked(url)  # the workers record these accounts' orders; sessions here send
    if not args.demo:
        print("reading the views `desk worker` processes publish; run `desk relay` and "
              "`desk worker` on this store", flush=True)
        asyncio.run(_serve(desk, tokens, args, None, notify=notify, venues=links))
        return 0
    stack = KafkaStack(url, kafka_bootstrap(args), args.partitions,
                       args.workers, approver=None, namespace=demo_namespace(url))
    # Until the server's own handlers are in place, SIGTERM still stops the stack.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        stack.start()
        print(f"kafka: relay and {args.workers} worker(s) on {stack.bootstrap}, topics "
              f"{stack.namespace}.*, logs in {stack.log_dir}", flush=True)

        def settle() -> None:
            wait_for_process_managers(desk.store, check=stack.check_running,
                                      stuck=stack.restart_workers)

        asyncio.run(_serve(desk, tokens, args, data, settle, notify=notify,
                           venues=links))
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


async def _serve(desk: AnyDesk, tokens: api_tokens.Tokens, args: argparse.Namespace,
                 demo: Path | None, settle: Callable[[], None] | None = None, *,
                 news: PollersConfig | None = None,
                 notify: NotifyConfig | None = None,
                 venues: Mapping[str, Link] | None = None) -> None:
    gate = DeskGate()
    host, pace, reviews = args.host, args.pace, args.reviews
    app = create_app(desk, tokens, gate=gate, max_sse_clients=args.max_sse_clients,
                     allowed_hosts=args.allowed_host)
    bot = attach(app, notify) if notify else None
    runner, bound = await start(app, host, args.port)
    print(f"serving http://{host}:{bound}/ (console /, API /api/v1, docs /docs, "
          "spec /openapi.json)",
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    feed = (asyncio.create_task(feed_sample_day(desk, gate, demo, pace, settle))
            if demo else None)
    pollers = (asyncio.create_task(poll_news(desk, app, news, stop)) if news else None)
    # The embedded desk folds what the CLI and other processes commit to its store; the
    # Kafka runtime's views are re-read by `WorkerViews` itself.
    follow = (asyncio.create_task(follow_commits(desk.runtime, gate.write, stop))
              if isinstance(desk.runtime, EmbeddedRuntime) else None)
    judge = (asyncio.create_task(run_reviews(desk, gate, reviews, stop))
             if reviews != "off" else None)
    outbox = (asyncio.create_task(run_outbox(desk, gate, notify, bot, stop))
              if notify and bot else None)
    sessions = (asyncio.create_task(run_venues(desk, venues, app, stop,
                                               args.reconcile_seconds))
                if venues else None)
    try:
        await stop.wait()
    finally:
        for task in (feed, follow, pollers, judge, outbox):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if sessions is not None:  # ends at `stop`, closing the venues' connections
            await asyncio.gather(sessions, return_exceptions=True)
        await runner.cleanup()
        gate.close()


async def poll_news(desk: AnyDesk, app: web.Application, config: PollersConfig,
                    stop: asyncio.Event) -> None:
    """Poll the configured news sources through the webhook's intake, writes via the gate."""
    state = app[STATE]
    intake = state.news = state.news or news_intake(desk)
    await run_pollers(config.sources(), intake, state.gate.write, desk.clock,
                      config.interval_seconds, stop, state.news_sources)


async def run_reviews(desk: AnyDesk, gate: DeskGate, mode: str, stop: asyncio.Event) -> None:
    """The judge beside the API: every new card reviewed off the hot path, its writes
    through the API's one writer (the follower folds them into the view)."""
    reviewer = build_reviewer(mode)
    worker = ReviewWorker(desk.store, reviewer, desk.clock, write=gate.write)
    print(f"judge: {reviewer.kind} {reviewer.model}".rstrip(), flush=True)
    try:
        await worker.run(stop)
    finally:
        await reviewer.close()


async def feed_sample_day(desk: AnyDesk, gate: DeskGate, directory: Path, pace: float,
                          settle: Callable[[], None] | None = None) -> None:
    """Open the sample accounts, then feed the day at `pace` seconds per desk minute.

    `settle` (the Kafka runtime) runs after each write and returns once the workers have
    reacted to it, so inputs and reactions interleave in the log as on the embedded desk.
    """
    try:
        await feed_day_paced(desk.runtime, desk.store, sample_day(directory), SETUP_ACTOR,
                             desk.clock, gate.write, pace, settle)
    except Exception:
        log.exception("demo feed stopped")  # the API goes on serving what was fed
        raise
    log.info("sample day fed", log_head=desk.store.head())
    print("demo: the sample day is fed; cards not decided have expired", flush=True)
