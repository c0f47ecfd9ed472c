"""The judge's cost to the desk: review throughput against the local fake server, and the
hot path with the review worker on beside it versus off.

    uv run python -m bench.judge [--cards 1000] [--concurrency 8] [--runs 300] [--accounts 20]
                                 [--repeat 2] [--peer DIR]

1. Throughput. `devtools.llm_fake` runs as its own process (as a model server would), so
   its work is not on the desk's clock. Each run is a fresh process
   (`bench/judge_throughput.py`): a store holding `--cards` proposed cards (untimed), then
   the review worker reviews them all through `OpenAIReviewer` with `--concurrency`
   requests in flight. Printed: wall cards/s, and the desk-side overhead, cards per CPU
   second of the desk's process (the model's latency excluded; the issue's figure, goal
   >= 200). Beside it: the rule-based reviewer (no HTTP: the worker's own log reads and
   writes), and the fake taking `--model-ms` per answer (what the model's latency allows).
   `--peer DIR` runs the same file against another checkout (e.g. `git worktree add
   /tmp/peer main`), alternating with this one run by run, so before/after sit side by side.
2. Hot path. Two desks set up alike (`bench.hot_path.prepare`); runs alternate between
   them, each timing `runtime.ingest([buyback announcement])` as bench/hot_path does. On
   one desk a review worker runs all along in another thread against the fake, writing its
   events into the same store through the desk's one writer (a lock, as `desk serve`'s
   gate), so an ingest waiting behind a review batch's write counts; on the other, none.
   p50/p99 of both, side by side, and their ratio (also `bench.hot_path --reviews`).
   Figures depend on the machine and its load (printed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import structlog

from adapters.eventstore.store import DeskStore
from adapters.llm.config import JudgeConfig
from adapters.llm.openai_reviewer import OpenAIReviewer
from bench.hot_path import prepare
from bench.kafka_parts import (
    announcement,
    bench_accounts,
    clear_queue,
    loadavg,
    percentile,
    signal_of,
)
from streams.review_worker import ReviewWorker

T = TypeVar("T")
T0 = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@contextmanager
def fake_server(latency_s: float) -> Iterator[str]:
    """`python -m devtools.llm_fake` in its own process; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.llm_fake", "--latency", str(latency_s)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("serving "):
            raise RuntimeError(f"the fake did not start: {line!r}")
        yield line.split()[1]
    finally:
        proc.terminate()
        proc.wait(10)


def throughput_run(tree: Path, cards: int, reviewer: str, concurrency: int,
                   base_url: str) -> dict[str, float]:
    """One `judge_throughput.py` run in a fresh process importing the code in `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        # -P: the script's folder (bench/, whose kafka.py would shadow a package) is not
        # put on sys.path; `tree` is, by PYTHONPATH.
        [sys.executable, "-P", str(HERE / "judge_throughput.py"), "--cards", str(cards),
         "--reviewer", reviewer, "--concurrency", str(concurrency), "--base-url", base_url],
        cwd=tree, env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def throughput(args: argparse.Namespace) -> None:
    trees = {"this": ROOT, **({"peer": Path(args.peer).resolve()} if args.peer else {})}
    cases = [("llm fake, instant", "llm", 0.0, args.cards),
             ("rule-based (no HTTP)", "rules", 0.0, args.cards),
             (f"llm fake, {args.model_ms:g} ms a call", "llm", args.model_ms,
              min(args.cards, 400))]
    print(f"review throughput, {args.concurrency} requests in flight, the fake in its own "
          f"process; desk CPU = the reviewing process's CPU time; best of {args.repeat}")
    for label, kind, model_ms, cards in cases:
        with fake_server(model_ms / 1000) as url:
            best: dict[str, dict[str, float]] = {}
            for _ in range(args.repeat):
                for name, tree in trees.items():  # alternating, so load hits both alike
                    run = throughput_run(tree, cards, kind, args.concurrency, url)
                    if name not in best or run["cpu_s"] < best[name]["cpu_s"]:
                        best[name] = run
        for name, run in best.items():
            done = run["reviews"]
            print(f"  {label:<24} {name:<5}: {done:,.0f} cards, wall {done / run['wall_s']:7,.0f}"
                  f" cards/s; desk CPU {run['cpu_s'] * 1000 / done:6.2f} ms a card = "
                  f"{done / run['cpu_s']:7,.0f} cards per CPU second")
        if "peer" in best:
            this, peer = best["this"], best["peer"]
            print(f"  {'':<24} this/peer: desk CPU a card {this['cpu_s'] / peer['cpu_s']:.2f}x,"
                  f" wall cards/s {peer['wall_s'] / this['wall_s']:.2f}x")
        if model_ms:
            print(f"  {'':<24} (the model's latency alone allows "
                  f"{args.concurrency * 1000 / model_ms:,.0f} cards/s)")


class BackgroundJudge:
    """A review worker against the fake, in a thread (its own event loop) for one desk. Its
    store calls take `lock`, the desk's one writer, as `desk serve`'s gate makes them."""

    def __init__(self, store: DeskStore, base_url: str, lock: threading.Lock) -> None:
        self.store = store
        self.base_url = base_url
        self.lock = lock
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _write(self, fn: Callable[[], T]) -> T:
        with self.lock:
            return fn()

    async def _run(self) -> None:
        reviewer = OpenAIReviewer(JudgeConfig(base_url=self.base_url, api_key="test-key",
                                              model="bench", timeout_seconds=30))
        worker = ReviewWorker(self.store, reviewer, lambda: T0, write=self._write)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop, poll_seconds=0.01))
        while not self.stop.is_set():
            await asyncio.sleep(0.01)
        stop.set()
        await task
        await reviewer.close()


def hot_path(tmp: Path, runs: int, accounts: int, warmup: int = 5) -> None:
    """The hot path timed on two twin desks, alternating: one with a review worker running
    beside it (the fake in its own process), sharing the desk's one writer; one without.
    Each ingest is timed from before taking its desk's writer lock, so time spent waiting
    for a review batch's write counts against the hot path."""
    specs = bench_accounts(accounts)
    names = [a.account_id for a in specs]
    desks = {"off": prepare(f"sqlite:///{tmp / 'off.db'}", specs),
             "on": prepare(f"sqlite:///{tmp / 'on.db'}", specs)}
    locks = {name: threading.Lock() for name in desks}
    tag = uuid.uuid4().hex[:8]
    ms: dict[str, list[float]] = {"off": [], "on": []}
    with fake_server(0.0) as url:
        judge = BackgroundJudge(desks["on"].store, url, locks["on"])
        judge.thread.start()
        for run in range(warmup + runs):
            for name in ("off", "on") if run % 2 else ("on", "off"):  # neither always first
                desk, fact = desks[name], announcement(tag, run)
                t0 = time.perf_counter()
                with locks[name]:
                    desk.runtime.ingest([fact])
                ms[name].append((time.perf_counter() - t0) * 1000)
                with locks[name]:
                    clear_queue(desk, names, signal_of(fact))  # untimed, as bench/hot_path
        judge.stop.set()
        judge.thread.join(30)
    desks["on"].runtime.pump()
    reviews = desks["on"].runtime.view.counts["CardReviewed"]
    print(f"\nhot path, {runs} runs each ({warmup} warm-up runs left out), alternating; "
          f"{accounts} accounts; the 'on' desk's worker reviewed {reviews} cards meanwhile")
    for name in ("off", "on"):
        s = sorted(ms[name][warmup:])
        print(f"  reviews {name:<3}: p50 {percentile(s, 50):6.2f}  p90 {percentile(s, 90):6.2f}"
              f"  p99 {percentile(s, 99):6.2f} ms")
    p99 = {k: percentile(sorted(v[warmup:]), 99) for k, v in ms.items()}
    p50 = {k: percentile(sorted(v[warmup:]), 50) for k, v in ms.items()}
    print(f"  ratio on/off: p50 {p50['on'] / p50['off']:.2f}  p99 {p99['on'] / p99['off']:.2f}")
    for desk in desks.values():
        desk.store.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000, help="cards per run (0: skip)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--model-ms", type=float, default=50.0,
                        help="the fake model's latency for the latency-bound run")
    parser.add_argument("--repeat", type=int, default=2, help="throughput runs per case")
    parser.add_argument("--peer", default="",
                        help="another checkout to run the throughput cases against, side by side")
    parser.add_argument("--runs", type=int, default=300, help="hot path runs per desk (0: skip)")
    parser.add_argument("--accounts", type=int, default=20)
    args = parser.parse_args(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    print(f"load average at start: {loadavg()}")
    if args.cards:
        throughput(args)
    if args.runs:
        hot_path(Path(tempfile.mkdtemp(prefix="bench-judge-")), args.runs, args.accounts)
    print(f"load average at end: {loadavg()}")


if __name__ == "__main__":
    main(sys.argv[1:])
