"""Options every `desk` command shares."""

from __future__ import annotations

import argparse
import getpass

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


def operator_actor(name: str | None) -> str:
    """The actor recorded for a person at the terminal: operator:NAME (default: login name)."""
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no login name in this environment (a bare container)
            name = "cli"
    return f"operator:{name}"
