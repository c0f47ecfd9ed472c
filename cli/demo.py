"""`desk demo`: run the sample day (embedded, or through Kafka) and print the end of day."""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from typing import Any

from adapters.eventstore.url import redact
from adapters.files.sample import SAMPLE_DIR
from cli.options import add_kafka, add_store, kafka_bootstrap, store_url
from cli.venue_demo import VENUE_DEMOS, run_venue_fake_demo
from streams.bootstrap import Desk, wall_clock
from streams.demo import print_summary, run_demo, summary
from streams.judge import review_pending, review_summary


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="run the sample NSE day end to end "
                       "(embedded by default, or --runtime kafka)")
    add_store(p)
    p.add_argument("--operator", default="demo",
                   help="the operator recorded as opening the sample accounts (cards are "
                   "approved by the automated policy:demo-approve-all)")
    p.add_argument("--data", default=str(SAMPLE_DIR), help="sample data folder")
    p.add_argument("--runtime", choices=("embedded", "kafka"), default="embedded",
                   help="embedded (in-process, default) or kafka (relay + faust workers)")
    add_kafka(p, namespace=False)  # each demo store gets topics of its own
    p.add_argument("--workers", type=int, default=1,
                   help="faust workers --runtime kafka starts (0: a relay and workers already "
                   "run on this store, e.g. compose's services; the day is fed to them)")
    p.add_argument("--namespace", default=None,
                   help="--runtime kafka: the topics' namespace (default: one of the store's "
                   "own; with --workers 0 the namespace those workers use, e.g. desk)")
    p.add_argument("--broker", choices=("paper", *VENUE_DEMOS), default="paper",
                   help="paper (default), or upstox-fake / kite-fake / ibkr-fake: a local "
                   "fake of that broker started on 127.0.0.1, reached through its adapter "
                   "and the order router")
    p.add_argument("--reviews", choices=("auto", "llm", "rules", "off"), default="auto",
                   help="the judge after the day (embedded runtime): auto = the model when "
                   "OPENAI_BASE_URL/OPENAI_API_KEY is set, else the rule-based reviewer")
    p.add_argument("--days", type=int, default=1,
                   help="embedded runtime: the sample day, then its facts again on each next "
                   "trading day, the judge reviewing after each (a store that already holds "
                   "the first days gets only the new ones)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    url = store_url(args)
    if args.workers < 0:
        print("error: --workers must be 0 or more", file=sys.stderr)
        return 2
    if args.days < 1 or (args.days > 1 and (args.runtime, args.broker) != ("embedded", "paper")):
        print("error: --days must be at least 1, and more than 1 runs only on the embedded "
              "runtime with the paper broker", file=sys.stderr)
        return 2
    if args.broker in VENUE_DEMOS:
        data = run_venue_fake_demo(args.broker, url, Path(args.data), args.operator,
                                   wall_clock)
    elif args.runtime == "kafka":
        from adapters.eventstore.store import DeskStore
        from streams.kafka.stack import run_demo_kafka

        view = run_demo_kafka(url, Path(args.data), args.operator, wall_clock,
                              kafka_bootstrap(args), args.partitions,
                              args.workers, args.namespace)
        data = summary(view)
        data["events"] = DeskStore(url).head()
    else:
        review = None if args.reviews == "off" else partial(_review, mode=args.reviews)
        desk = run_demo(url, Path(args.data), args.operator, wall_clock, days=args.days,
                        after_day=review)
        data = summary(desk.runtime.view)
        if args.reviews != "off":
            data["reviews"] = review_summary(desk.runtime.view)
    data["store"] = redact(url)
    data["runtime"] = args.runtime
    if args.json:
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print(f"store: {data['store']}")
        print_summary(data)
        if "reconciliation" in data:
            rec = data["reconciliation"]
            print(f"\nbroker: {data['broker']}; {rec['brackets_at_venue']} brackets at the "
                  f"venue; end-of-day reconciliation: {len(rec['differences'])} differences")
        if "reviews" in data:
            _print_reviews(data["reviews"])
    return 0


def _review(desk: Desk, mode: str) -> None:
    """Review the day's cards (off the hot path: after it), then fold the reviews in."""
    review_pending(desk.store, wall_clock, mode)
    desk.runtime.pump()


def _print_reviews(r: dict[str, Any]) -> None:
    verdicts = ", ".join(f"{k} {v}" for k, v in r["verdicts"].items()) or "none"
    print(f"\njudge ({'; '.join(r['reviewers'])}): {r['cards_reviewed']} cards reviewed "
          f"({verdicts}), {r['reviews_failed']} failed, {r['reviews_pending']} pending; "
          f"`desk prompts list` shows each prompt version's figures")
