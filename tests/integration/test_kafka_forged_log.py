"""desk.log is a wake-up, never a source: someone who can write to the Kafka topic cannot make
the process managers act on an event the store does not hold, nor skip one it does."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from adapters.eventstore.store import DeskStore, ViewSnapshots
from adapters.files.sample import SAMPLE_DIR
from adapters.kafka.topics import LOG_TOPIC, headers_for, in_namespace, log_key_for
from domain.events import CardProposed, Envelope
from projections.desk import DeskView, apply, projections_of, snapshot
from replay.verify import verify
from streams.bootstrap import wall_clock
from streams.kafka.rows import PM_PROGRESS
from streams.kafka.stack import KafkaStack, feed_stack
from streams.process_managers.auto_approver import DEMO_POLICY

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

IST = timezone(timedelta(hours=5, minutes=30))
MORNING = datetime(2026, 11, 20, 11, 40, tzinfo=IST)


@pytest.fixture
def stack(postgres_url: str, kafka_broker: Any, tmp_path: Path) -> Iterator[KafkaStack]:
    stack = KafkaStack(postgres_url, kafka_broker.bootstrap, partitions=3, workers=1,
                       approver=DEMO_POLICY, namespace=f"t{uuid.uuid4().hex[:10]}",
                       log_dir=tmp_path / "logs")
    stack.start()
    yield stack
    stack.stop()


def _forgeries(store: DeskStore) -> list[tuple[int, Envelope]]:
    """Copies of the newest proposed card under new ids: one claiming the next position (the
    real event there would be skipped by a runtime that trusted it), one far ahead, and one
    re-using a position already handled with other content."""
    head = store.head()
    proposed = next(r for r in reversed(list(store.read_all()))
                    if isinstance(r.event.payload, CardProposed))
    forged = []
    for position in (head + 1, head + 500, proposed.position):
        card = proposed.event.payload.model_copy(
            update={"card_id": f"card-forged-{uuid.uuid4().hex[:8]}"})
        forged.append((position, proposed.event.model_copy(
            update={"event_id": uuid.uuid4(), "payload": card})))
    return forged


async def _send(stack: KafkaStack, forged: list[tuple[int, Envelope]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap)
    await producer.start()
    try:
        for position, envelope in forged:
            await producer.send_and_wait(
                in_namespace(LOG_TOPIC, stack.namespace), envelope.model_dump_json().encode(),
                key=log_key_for(envelope), headers=headers_for(position, envelope))
    finally:
        await producer.stop()


def test_process_managers_when_forged_desk_log_messages_arrive_then_they_act_only_on_the_store(
    stack: KafkaStack,
) -> None:
    store = DeskStore(stack.store_url)
    forged: list[tuple[int, Envelope]] = []
    seen = [0]

    def inject(_: int) -> None:
        # Strike once, right after the first card of the day is proposed.
        if forged:
            return
        new = store.read(seen[0], 100_000)
        seen[0] = new[-1].position if new else seen[0]
        if any(r.event.type == "CardProposed" for r in new):
            forged.extend(_forgeries(store))
            asyncio.run(_send(stack, forged))

    view = feed_stack(stack, SAMPLE_DIR, "demo", wall_clock, until=MORNING, after_group=inject)

    records = list(store.read_all())
    forged_ids = {e.event_id for _, e in forged}
    forged_cards = {e.payload.card_id for _, e in forged}  # type: ignore[attr-defined]
    assert len(forged) == 3
    # Nothing in the log reacts to a forged message or names a forged card ...
    assert [r.position for r in records if r.event.causation_id in forged_ids] == []
    assert not any(getattr(r.event.payload, "card_id", None) in forged_cards for r in records)
    # ... the process managers' position is the store's, never a message's ...
    progress = ViewSnapshots(store).load(PM_PROGRESS)
    assert progress is not None and progress[0] <= store.head()
    # ... and no real event was skipped: every card the log proposed was decided by the
    # approver, and the workers' state equals a replay of the store.
    replayed = DeskView()
    for rec in records:
        apply(replayed, rec.event, rec.position)
    assert projections_of(snapshot(view)) == projections_of(snapshot(replayed))
    proposed = {r.event.payload.card_id for r in records
                if isinstance(r.event.payload, CardProposed)}
    decided = {getattr(r.event.payload, "card_id", None) for r in records
               if r.event.type in ("CardApproved", "CardRejected", "CardBlocked",
                                   "CardExpired")}
    assert proposed and proposed <= decided
    assert verify(store).ok
