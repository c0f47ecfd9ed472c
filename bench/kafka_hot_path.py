"""Section 3 of `bench.kafka`: a buyback announcement committed -> a CardProposed for every
eligible account, through `desk relay` + `desk worker` and, beside it, the embedded runtime."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from pathlib import Path

from adapters.eventstore.store import DeskStore, ViewSnapshots
from adapters.files.sample import (
    SAMPLE_DIR,
    AccountSpec,
    load_instruments,
)
from adapters.files.strategy_book import default_book
from bench.kafka_parts import (
    PARTITIONS,
    Latencies,
    announcement,
    bench_wall,
    clear_queue,
    namespace,
    opening_bars,
    setup_desk,
    signal_of,
)
from domain.ids import card_id_for
from projections.desk import DeskView
from streams.bootstrap import bootstrap, wall_clock
from streams.commands import RejectCard, handle
from streams.feed import input_streams
from streams.input_gate import InputGate
from streams.kafka.rows import VIEW_PREFIX
from streams.kafka.stack import (
    KafkaStack,
    wait_for_process_managers,
    wait_for_projections,
)
from streams.kafka.views import kafka_view
from streams.unit_of_work import UnitOfWork


def embedded_hot_path(url: str, specs: list[AccountSpec], runs: int) -> Latencies:
    desk = bootstrap(url, load_instruments(SAMPLE_DIR / "instruments.csv"))
    rt = desk.runtime
    rt.gate.wall = bench_wall  # the runs' filings fall on sessions after today
    setup_desk(desk.store, rt.execute, specs)
    rt.ingest(opening_bars())
    tag = uuid.uuid4().hex[:8]
    # Warm-up run: also tells which accounts are eligible (the rest get CardBlocked).
    first = announcement(tag, 0)
    rt.ingest([first])
    sig = signal_of(first)
    eligible = sorted(a.account_id for a in specs
                      if rt.view.cards[card_id_for(a.account_id, sig)].status == "PROPOSED")
    clear_queue(desk, eligible, sig)
    ms = []
    for run in range(1, runs + 1):
        fact = announcement(tag, run)
        sig = signal_of(fact)
        wanted = [card_id_for(a, sig) for a in eligible]
        t0 = time.perf_counter()
        rt.ingest([fact])
        cards = rt.view.cards
        # ingest returns once the reactions are committed and folded: no waiting needed.
        done = all(c in cards and cards[c].status == "PROPOSED" for c in wanted)
        ms.append((time.perf_counter() - t0) * 1000)
        assert done, f"cards of {sig} missing after ingest"
        clear_queue(desk, eligible, sig)
    return Latencies(ms, eligible, len(specs))


def _visible(snapshots: ViewSnapshots, names: list[str], after: int, signal_id: str) -> int:
    """How many of these view rows have moved past `after` and hold a card of the signal
    (card ids end in the signal id without its `sig-`)."""
    m = snapshots.mark
    marks = ", ".join([m] * len(names))
    with snapshots.datastore.transaction(commit=False) as c:
        c.execute(
            f"SELECT COUNT(*) AS n FROM desk_views WHERE name IN ({marks}) "
            f"AND position > {m} AND state LIKE {m}",
            (*names, after, f"%-{signal_id.removeprefix('sig-')}%"),
        )
        row = c.fetchone()
    return int(row["n"])


def kafka_hot_path(
    url: str, bootstrap_servers: str, specs: list[AccountSpec], eligible: list[str], runs: int,
    log_dir: Path, timeout: float, warmup: int = 3,
) -> Latencies:
    store = DeskStore(url)
    setup_desk(store, lambda uow: uow.commit(), specs)
    store.commit(*input_streams(opening_bars(), store, wall_clock))
    stack = KafkaStack(url, bootstrap_servers, partitions=PARTITIONS, workers=1, approver=None,
                       namespace=namespace("hot"), log_dir=log_dir)
    snapshots = ViewSnapshots(store)
    names = [VIEW_PREFIX + a for a in eligible]
    tag = uuid.uuid4().hex[:8]
    ms: list[float] = []
    signals: list[str] = []
    timeouts = 0
    polls = 0
    stages: dict[str, list[float]] = {}
    t_start = time.perf_counter()
    stack.start()
    try:
        wait_for_process_managers(store, timeout)
        wait_for_projections(store, bootstrap_servers, stack.namespace, timeout)
        ready_s = time.perf_counter() - t_start
        for run in range(warmup + runs):
            fact = announcement(tag, run)
            sig = signal_of(fact)
            streams = input_streams([fact], store, wall_clock, InputGate(wall=bench_wall))
            t0 = time.perf_counter()
            position = store.commit(*streams)[-1].position
            steps = _HotPathSteps(store, position)
            deadline = t0 + timeout
            while True:
                steps.observe()
                polls += 1
                if _visible(snapshots, names, position, sig) == len(names):
                    done = time.perf_counter()
                    break
                if time.perf_counter() > deadline:
                    timeouts, done = timeouts + 1, 0.0
                    break
                if polls % 500 == 0:
                    _check_alive(stack)
                time.sleep(0.001)
            if run >= warmup and done:
                ms.append((done - t0) * 1000)
                signals.append(sig)
                for name, at in steps.finish(done).items():
                    stages.setdefault(name, []).append((at - t0) * 1000)
            # Let the process managers see their own cards come back before the next run,
            # then reject them (untimed) so they hold back no cash from the next run's.
            wait_for_process_managers(store, timeout)
            reject_waiting(store, eligible, sig, fact.occurred_at)
            wait_for_process_managers(store, timeout)
        wait_for_projections(store, bootstrap_servers, stack.namespace, timeout)
    finally:
        stack.stop()
    # Check, outside the timing, that the merged approval queue says what was measured.
    view = kafka_view(store)
    everyone = [a.account_id for a in specs]
    for sig in signals:
        for account in everyone:
            row = view.cards.get(card_id_for(account, sig))
            want = "REJECTED" if account in eligible else "BLOCKED"
            if row is None or row.status != want:
                raise AssertionError(f"{card_id_for(account, sig)}: {row} (wanted {want})")
    return Latencies(ms, eligible, len(specs), timeouts,
                     {"ready_s": ready_s, "polls_per_run": polls / max(1, runs + warmup)},
                     stages)


def reject_waiting(store: DeskStore, accounts: list[str], signal_id: str,
                   at: datetime) -> None:
    """An operator rejects the run's cards straight through the event store (the Kafka
    stack has no embedded runtime to ask)."""
    uow = UnitOfWork(store, wall_clock)
    for account in accounts:
        card_id = card_id_for(account, signal_id)
        handle(RejectCard(actor="operator:bench", at=at, correlation_id=f"bench-{card_id}",
                          card_id=card_id, reason="bench: next run"),
               uow, DeskView(), default_book())
    uow.commit()


def _check_alive(stack: KafkaStack) -> None:
    for name, proc in stack.procs.items():
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}; see "
                               f"{stack.log_dir / (name + '.log')}")


class _HotPathSteps:
    """When each step of one run was first seen in the store, while polling for the cards:
    the announcement relayed, the process managers' signal + cards committed, those relayed."""

    NAMES = ("announcement relayed", "signal + cards committed", "cards relayed")
    # "relayed": the relay has recorded the position, i.e. after the broker's acks

    def __init__(self, store: DeskStore, position: int) -> None:
        self.store = store
        self.position = position
        self.cards_head = 0
        self.seen: dict[str, float] = {}

    def observe(self) -> None:
        now = time.perf_counter()
        if "announcement relayed" not in self.seen:
            if self.store.tracked("relay") < self.position:
                return
            self.seen["announcement relayed"] = now
        if "signal + cards committed" not in self.seen:
            head = self.store.head()
            if head <= self.position:
                return
            self.cards_head = head  # the process managers write them in one transaction
            self.seen["signal + cards committed"] = now
        if "cards relayed" not in self.seen and self.store.tracked("relay") >= self.cards_head:
            self.seen["cards relayed"] = now

    def finish(self, visible: float) -> dict[str, float]:
        """Each step's time (a step missed between two polls gets the next one's time)."""
        out, later = {"cards in the views": visible}, visible
        for name in reversed(self.NAMES):
            later = min(self.seen.get(name, later), later)
            out[name] = later
        return {name: out[name] for name in (*self.NAMES, "cards in the views")}


