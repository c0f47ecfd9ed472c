"""The `desk` command: one entry point, a subcommand per job.

Each command-group module exposes `register(subparsers)`; its handler takes the parsed
arguments and returns the exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from adapters.eventstore.chain_keys import KeyFileError
from adapters.eventstore.url import StoreUrlError
from cli import (
    account,
    backtest,
    broker,
    demo,
    exits,
    features,
    imports,
    ingest,
    instruments,
    kafka,
    news,
    prompts,
    relay,
    replay,
    report,
    run,
    schedule,
    serve,
    strategy,
    tax,
    worker,
)
from cli.identity import IdentityError
from cli.options import MissingStore

GROUPS = (demo, replay, relay, worker, account, features, serve, schedule, kafka, imports, tax,
          news, instruments, exits, broker, ingest, run, prompts, backtest, strategy,
          report)


class DeskParser(argparse.ArgumentParser):
    """Takes flags only as spelled in full: a prefix such as `--sto` could silently mean a
    different flag after a rename (compose files and scripts would keep running)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """The `desk` parser with every command group registered."""
    parser = DeskParser(
        prog="desk", description="eventdesk: an event-sourced trading desk for NSE equities"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `desk ARGS`; the exit code of the command."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except (MissingStore, KeyFileError, StoreUrlError, IdentityError) as e:  # no secret shown
        print(f"desk: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`desk replay events | head`): stop quietly, as `cat` does;
        # stdout is pointed at /dev/null so the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
