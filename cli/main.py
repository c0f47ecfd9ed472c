"""The `desk` command: one entry point, a subcommand per job.

Each subcommand module exposes `register(subparsers)`; its handler takes the parsed
arguments and returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import account as cli_account
from cli import demo as cli_demo
from cli import features as cli_features
from cli import relay as cli_relay
from cli import replay as cli_audit
from cli import schedule as cli_schedule
from cli import serve as cli_serve
from cli import worker as cli_worker


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="desk", description="eventdesk: an event-sourced trading desk for NSE equities"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_demo.register(sub)
    cli_audit.register(sub)
    cli_relay.register(sub)
    cli_worker.register(sub)
    cli_account.register(sub)
    cli_features.register(sub)
    cli_serve.register(sub)
    cli_schedule.register(sub)
    try:
        from cli import kafka as cli_kafka
    except ImportError:  # the Kafka tooling is optional for the embedded desk
        pass
    else:
        cli_kafka.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
