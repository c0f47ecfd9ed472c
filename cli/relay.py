"""`desk relay`: publish the event log to Kafka, in order and at least once, until stopped.

SIGTERM or SIGINT stops it gracefully: the page in hand is acknowledged and its position
recorded first. `python -m cli relay ARGS` runs the same command.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.eventstore.chain_keys import KeyFileError
from adapters.eventstore.checkpoints import CHECKPOINT_KEY_FILE_ENV, checkpoint_file, private_key
from adapters.eventstore.store import DeskStore
from adapters.eventstore.url import StoreUrlError, redact
from adapters.kafka.checkpoints import DEFAULT_EVERY, CheckpointSigner
from adapters.kafka.jitter import jitter_from
from adapters.kafka.relay import Relay, RelayMetrics, RelaySettings
from cli.options import add_kafka, add_store, kafka_bootstrap, store_url


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `relay` subcommand."""
    p = sub.add_parser("relay", help="publish the event log to Kafka (at least once, in order)")
    add_store(p)
    add_kafka(p)
    p.add_argument("--once", action="store_true", help="publish what is pending, then exit")
    p.add_argument("--checkpoint-every", type=float, default=DEFAULT_EVERY, metavar="SECONDS",
                   help=f"with ${CHECKPOINT_KEY_FILE_ENV} set: sign the published head onto "
                   f"desk.checkpoints and the checkpoint file at most this often (default "
                   f"{DEFAULT_EVERY:g}; once more on exit)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    url = store_url(args)
    bootstrap = kafka_bootstrap(args)
    _log_to_stderr(as_json=args.json)
    try:
        key = private_key()
        metrics = asyncio.run(_relay(url, bootstrap, args.partitions, args.once, args.namespace,
                                     (key, args.checkpoint_every) if key else None))
    except (StoreUrlError, KeyFileError) as exc:
        print(f"desk relay: {exc}", file=sys.stderr)
        return 2
    report = {"store": redact(url), "bootstrap": bootstrap, **metrics.as_dict()}
    if args.json:
        print(json.dumps(report, sort_keys=True))
    else:
        print(
            f"published {report['published']} events to {bootstrap}; "
            f"position {report['position']} of {report['head']} (lag {report['lag']})"
        )
    return 0


async def _relay(
    url: str, bootstrap: str, partitions: int, once: bool, namespace: str,
    signing: tuple[Ed25519PrivateKey, float] | None,
) -> RelayMetrics:
    store = DeskStore(url)
    try:
        signer = (CheckpointSigner(store, signing[0], checkpoint_file(), signing[1])
                  if signing else None)
        settings = RelaySettings(partitions=partitions, namespace=namespace,
                                 jitter=jitter_from("relay"), checkpoints=signer)
        async with Relay(store, bootstrap, settings) as relay:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            if once:
                await relay.run_once(stop)
            else:
                await relay.run(stop)
            return relay.metrics
    finally:
        store.close()


def _log_to_stderr(as_json: bool) -> None:
    """Structured logs on stderr, so stdout carries only the result."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if as_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )

