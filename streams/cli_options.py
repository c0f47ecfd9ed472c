"""Options every `desk` command shares."""

from __future__ import annotations

import argparse

from adapters.eventstore.url import default_store_url


def add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", default=None, metavar="URL",
        help="event store: sqlite:///path or postgresql://user:pass@host:port/db "
        "(default: $DESK_STORE, else sqlite:///.desk/desk.db)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def store_url(args: argparse.Namespace) -> str:
    return args.store or default_store_url()
