"""``desk kafka start|stop|status``: manage a local broker from the cached Kafka jars."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapters.kafka.topics import DEFAULT_BOOTSTRAP, DEFAULT_PARTITIONS
from devtools.kafka_jars import KafkaBrokerError
from devtools.local_kafka import LocalKafkaBroker

DEFAULT_DATA_DIR = ".desk/kafka"
DEFAULT_PORT = int(DEFAULT_BOOTSTRAP.rsplit(":", 1)[1])  # the port clients expect by default


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``kafka`` subcommand and its ``start``/``stop``/``status`` actions."""
    kafka = subparsers.add_parser("kafka", help="run a local single-node Kafka broker")
    actions = kafka.add_subparsers(dest="kafka_action", metavar="ACTION", required=True)

    start = actions.add_parser("start", help="start the broker and print its bootstrap address")
    _add_data_dir(start)
    start.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"client port (default {DEFAULT_PORT}, or the port this data dir used last)",
    )
    start.add_argument(
        "--partitions",
        type=int,
        default=None,
        help=f"partitions of auto-created topics (default {DEFAULT_PARTITIONS})",
    )
    start.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for ready")
    start.set_defaults(func=_start)

    stop = actions.add_parser("stop", help="stop the broker started in this data dir")
    _add_data_dir(stop)
    stop.set_defaults(func=_stop)

    status = actions.add_parser("status", help="exit 0 if the broker runs, 1 if not")
    _add_data_dir(status)
    status.set_defaults(func=_status)


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    """Add the shared ``--data-dir`` option."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(DEFAULT_DATA_DIR),
        help=f"broker config, logs and state (default {DEFAULT_DATA_DIR})",
    )


def _start(args: argparse.Namespace) -> int:
    """Start (or find already running) the broker; print its bootstrap address."""
    previous = LocalKafkaBroker.from_state(args.data_dir)
    if previous is not None and previous.is_running():
        print(f"already running (pid {previous.pid})", file=sys.stderr)
        print(previous.bootstrap)
        return 0
    # Reuse the last ports so clients configured earlier keep working.
    broker = LocalKafkaBroker(
        args.data_dir,
        port=args.port or (previous.port if previous else None) or DEFAULT_PORT,
        controller_port=previous.controller_port if previous else None,
        partitions=args.partitions or (previous.partitions if previous else DEFAULT_PARTITIONS),
    )
    try:
        broker.start(timeout=args.timeout)
    except KafkaBrokerError as exc:
        print(f"kafka start failed: {exc}", file=sys.stderr)
        return 1
    print(broker.bootstrap)
    return 0


def _stop(args: argparse.Namespace) -> int:
    """Stop the broker recorded in the data dir's state file, if any."""
    broker = LocalKafkaBroker.from_state(args.data_dir)
    if broker is None or not broker.is_running():
        print(f"no running broker in {args.data_dir}", file=sys.stderr)
        return 0
    broker.stop()
    print(f"stopped broker at {broker.bootstrap}", file=sys.stderr)
    return 0


def _status(args: argparse.Namespace) -> int:
    """Print whether the data dir's broker runs; exit 0 if it does, 1 if not."""
    broker = LocalKafkaBroker.from_state(args.data_dir)
    if broker is None or not broker.is_running():
        print("stopped")
        return 1
    print(f"running pid={broker.pid} bootstrap={broker.bootstrap} kafka={broker.version}")
    return 0
