"""The Kafka runtime decides exactly as the embedded desk, however its timing falls.

Timing is made adversarial on purpose: the relay, every worker consumer and the process
managers pause a random moment at each step (`DESK_JITTER`, seeded), while a busy process
competes for the CPU. Whatever the seed, the Kafka run logs the same events as the embedded
run of the same morning, in the same order: same types, streams, versions, ids, causes and
payloads; only `recorded_at` (the wall clock of the write) may differ.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from adapters.eventstore.store import DeskStore
from adapters.files.sample import SAMPLE_DIR, load_instruments
from adapters.kafka.jitter import ENV
from streams.bootstrap import bootstrap, wall_clock
from streams.feed import feed_day, sample_day
from streams.kafka.stack import KafkaStack, feed_stack
from streams.process_managers.auto_approver import DEMO_POLICY

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

IST = timezone(timedelta(hours=5, minutes=30))
# Past the first momentum cards (09:52 AXISBANK), their approvals, orders and entry fills,
# where a feed that ran ahead of the reactions once made the Kafka run fill on another bar.
UNTIL = datetime(2026, 11, 20, 10, 20, tzinfo=IST)
MAX_PAUSE_MS = 6
SEEDS = range(10)

Logged = tuple[Any, ...]


def logged_events(store_url: str) -> list[Logged]:
    """Every event of the log in order, as compared: all but `recorded_at`."""
    return [
        (e.type, e.stream_id, e.stream_version, str(e.event_id), e.occurred_at,
         e.correlation_id, e.causation_id, e.actor, e.payload.model_dump(mode="json"))
        for e in (rec.event for rec in DeskStore(store_url).read_all())
    ]


@pytest.fixture(scope="module")
def embedded_morning(tmp_path_factory: pytest.TempPathFactory) -> list[Logged]:
    url = f"sqlite:///{tmp_path_factory.mktemp('embedded') / 'desk.db'}"
    desk = bootstrap(url, load_instruments(SAMPLE_DIR / "instruments.csv"), approver=DEMO_POLICY,
                     clock=wall_clock)
    feed_day(desk.runtime, desk.store, sample_day(SAMPLE_DIR), "operator:demo", wall_clock,
             until=UNTIL)
    desk.store.close()
    return logged_events(url)


@pytest.fixture
def busy_cpu() -> Iterator[None]:
    """A process spinning on one core for the whole test, as a shared CI host would have."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    yield
    hog.kill()
    hog.wait()


@pytest.mark.parametrize("seed", SEEDS)
def test_morning_when_timing_is_adversarial_then_kafka_logs_the_embedded_events(
    seed: int, postgres_url: str, kafka_broker: Any, tmp_path: Path,
    embedded_morning: list[Logged], busy_cpu: None,
) -> None:
    stack = KafkaStack(postgres_url, kafka_broker.bootstrap, partitions=3, approver=DEMO_POLICY,
                       namespace=f"t{uuid.uuid4().hex[:10]}", log_dir=tmp_path / "logs",
                       env={ENV: f"{seed}:{MAX_PAUSE_MS}"})
    stack.start()
    try:
        feed_stack(stack, SAMPLE_DIR, "demo", wall_clock, until=UNTIL)
    finally:
        stack.stop()

    kafka = logged_events(postgres_url)

    assert any(e[0] == "OrderFilled" for e in embedded_morning), "the morning must trade"
    first_difference = next(
        (i for i, (k, e) in enumerate(zip(kafka, embedded_morning, strict=False)) if k != e),
        None,
    )
    assert first_difference is None, (
        f"seed {seed}: event {first_difference} differs:\n"
        f"  kafka    {kafka[first_difference]}\n  embedded {embedded_morning[first_difference]}"
    )
    assert len(kafka) == len(embedded_morning)
