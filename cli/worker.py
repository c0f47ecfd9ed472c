"""`desk worker`: one faust worker of the distributed desk."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from adapters.files.sample import SAMPLE_DIR
from adapters.kafka.jitter import jitter_from
from cli.options import add_kafka, add_store, kafka_bootstrap, store_url


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("worker", help="run a faust worker: projections and process managers")
    add_store(p)
    add_kafka(p)
    p.add_argument("--table-store", default=os.environ.get("DESK_TABLE_STORE", "memory://"),
                   help="faust table store: memory:// or rocksdb:// (RocksDB via rocksdict; "
                   "default: memory://, rebuilt from the changelog topics on start)")
    p.add_argument("--data-dir", default=os.environ.get("DESK_WORKER_DATA", ".desk/faust"),
                   help="where table stores keep their files (default .desk/faust)")
    p.add_argument("--approver", default=None,
                   help="approve every card under this automated policy, recorded as "
                   "policy:NAME (demo only; off by default)")
    p.add_argument("--instruments", default=str(SAMPLE_DIR / "instruments.csv"))
    p.add_argument("--no-process-managers", action="store_true",
                   help="only projections: leave desk.log to other workers")
    p.add_argument("--stall-timeout", type=float, default=60.0,
                   help="exit (code 75) after this many seconds stuck in a rebalance or a "
                   "table recovery, for a supervisor to restart; 0: never (default 60)")
    p.add_argument("--loglevel", default="warning")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from streams.kafka.app import WorkerSettings, run_worker

    run_worker(
        WorkerSettings(
            bootstrap=kafka_bootstrap(args),
            store_url=store_url(args),
            partitions=args.partitions,
            table_store=args.table_store,
            approver=args.approver,
            instruments=Path(args.instruments),
            process_managers=not args.no_process_managers,
            namespace=args.namespace,
            data_dir=Path(args.data_dir),
            stall_timeout=args.stall_timeout,
            jitter=jitter_from("worker"),
        ),
        loglevel=args.loglevel,
    )
    return 0
