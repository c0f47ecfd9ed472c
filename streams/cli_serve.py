"""`desk serve`: the embedded desk with its HTTP API; `--demo` feeds the sample day.

In demo mode nobody approves automatically: cards arrive and wait for a human with an
approver token. Without configured tokens (`--tokens FILE` or `$DESK_API_TOKENS`), demo
mode makes a viewer, an approver and an admin token and prints them once.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import structlog

from adapters.eventstore.url import redact
from adapters.files.sample import SAMPLE_DIR, day_feed, load_accounts, load_instruments
from api import tokens as api_tokens
from api.app import create_app
from api.gate import DeskGate
from api.server import start
from streams.bootstrap import Desk, bootstrap, wall_clock
from streams.cli_options import add_store, store_url
from streams.demo import open_accounts, sample_day

log = structlog.get_logger("eventdesk.serve")

DEMO_ROLES = {"viewer": api_tokens.Role.VIEWER, "approver": api_tokens.Role.APPROVER,
              "admin": api_tokens.Role.ADMIN}
SETUP_ACTOR = "operator:desk-serve"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the embedded desk with its HTTP API")
    add_store(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    p.add_argument("--demo", action="store_true",
                   help="open the sample accounts and feed the sample day; cards wait for a "
                   "human approver")
    p.add_argument("--pace", type=float, default=0.2,
                   help="demo: wall seconds per minute of desk time (default 0.2)")
    p.add_argument("--data", default=str(SAMPLE_DIR), help="sample data folder")
    p.add_argument("--tokens", type=Path, default=None, metavar="FILE",
                   help="API tokens, one 'name:role:token' a line (default: $DESK_API_TOKENS)")
    p.add_argument("--verbose", action="store_true", help="log every request (debug level)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    # Logs go to stderr: stdout carries the address and, in demo mode, the tokens.
    structlog.configure(
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.DEBUG if args.verbose else logging.INFO),
    )
    try:
        tokens = api_tokens.load(args.tokens)
    except (api_tokens.TokenConfigError, OSError) as e:
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
    url = store_url(args)
    data = Path(args.data)
    desk = bootstrap(url, load_instruments(data / "instruments.csv"), clock=wall_clock)
    print(f"store: {redact(url)}; log head {desk.store.head()}")
    asyncio.run(_serve(desk, tokens, args.host, args.port, data if args.demo else None,
                       args.pace))
    return 0


async def _serve(desk: Desk, tokens: api_tokens.Tokens, host: str, port: int,
                 demo: Path | None, pace: float) -> None:
    gate = DeskGate()
    runner, bound = await start(create_app(desk, tokens, gate=gate), host, port)
    print(f"serving http://{host}:{bound}/ (console /, API /api/v1, docs /docs, "
          "spec /openapi.json)",
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    feed = asyncio.create_task(feed_sample_day(desk, gate, demo, pace)) if demo else None
    try:
        await stop.wait()
    finally:
        if feed is not None:
            feed.cancel()
            await asyncio.gather(feed, return_exceptions=True)
        await runner.cleanup()
        gate.close()


async def feed_sample_day(desk: Desk, gate: DeskGate, directory: Path, pace: float) -> None:
    """Open the sample accounts, then feed the day at `pace` seconds per desk minute.

    Facts already in the log are skipped without waiting, so a restarted demo catches up
    at once and goes on from where it was.
    """
    day = sample_day(directory)
    specs = load_accounts(directory / "accounts.json")
    try:
        await gate.write(open_accounts, desk.store, desk.clock, desk.runtime.execute, specs,
                         SETUP_ACTOR, day.day)
        groups = day_feed(day.bars, day.news, day.day)
        for i, group in enumerate(groups):
            added = await gate.write(desk.runtime.ingest, group)
            if added and i + 1 < len(groups):
                gap = (groups[i + 1][0].occurred_at - group[0].occurred_at).total_seconds()
                await asyncio.sleep(pace * gap / 60)
    except Exception:
        log.exception("demo feed stopped")  # the API goes on serving what was fed
        raise
    log.info("sample day fed", log_head=desk.store.head())
    print("demo: the sample day is fed; cards not decided have expired", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m streams.cli_serve [options]`: the same as `desk serve [options]`."""
    parser = argparse.ArgumentParser(prog="desk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
