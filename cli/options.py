"""Options every `desk` command shares."""

from __future__ import annotations

import argparse
import getpass
import os

from adapters.eventstore.store import DeskStore
from adapters.eventstore.url import default_store_url, missing_store
from adapters.kafka.topics import DEFAULT_BOOTSTRAP, DEFAULT_NAMESPACE, DEFAULT_PARTITIONS

BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP"


def add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", default=None, metavar="URL",
        help="event store: sqlite:///path or postgresql://user:pass@host:port/db "
        "(default: $DESK_STORE, else sqlite:///.desk/desk.db)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def store_url(args: argparse.Namespace) -> str:
    return args.store or default_store_url()


class MissingStore(Exception):
    """A read-only command was pointed at a store that does not exist (`desk` exits 2)."""


def existing_store(args: argparse.Namespace) -> DeskStore:
    """Open the store of `args` only if it exists; a mistyped path is never created."""
    url = store_url(args)
    reason = missing_store(url)
    if reason is not None:
        raise MissingStore(f"{reason}; nothing was created (check --store or $DESK_STORE)")
    return DeskStore(url)


def operator_actor(name: str | None) -> str:
    """The actor recorded for a person at the terminal: operator:NAME (default: login name)."""
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no login name in this environment (a bare container)
            name = "cli"
    return f"operator:{name}"


def add_kafka(parser: argparse.ArgumentParser, *, namespace: bool = True,
              partitions: bool = True) -> None:
    """The Kafka client options: bootstrap, (`partitions`) partitions per domain topic and
    (`namespace`) topic namespace. A command that only reads a topic leaves partitions out."""
    parser.add_argument(
        "--bootstrap", default=None, metavar="HOST:PORT",
        help=f"Kafka bootstrap servers (default: ${BOOTSTRAP_ENV}, else {DEFAULT_BOOTSTRAP}; "
        "`desk kafka start` runs one)",
    )
    if partitions:
        parser.add_argument(
            "--partitions", type=int, default=DEFAULT_PARTITIONS, metavar="N",
            help=f"partitions per domain topic (default {DEFAULT_PARTITIONS}; desk.log and "
            "desk.deadletter always have one)",
        )
    if namespace:
        parser.add_argument(
            "--namespace", default=DEFAULT_NAMESPACE,
            help=f"topic namespace: <namespace>.market, <namespace>.log, ... "
            f"(default {DEFAULT_NAMESPACE})",
        )


def kafka_bootstrap(args: argparse.Namespace) -> str:
    """The bootstrap servers: --bootstrap, else $KAFKA_BOOTSTRAP, else the default."""
    return str(args.bootstrap or os.environ.get(BOOTSTRAP_ENV) or DEFAULT_BOOTSTRAP)


def key_values(items: list[str]) -> dict[str, str] | str:
    """`--set KEY=VALUE` options as a mapping, or what is wrong with the first bad one."""
    settings: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            return f"--set {item!r}: expected KEY=VALUE"
        settings[key.strip()] = value.strip()
    return settings
