"""The distributed desk on a real broker: same projections as the embedded run, and the
same projections as a replay of the log after crashes, outages and malformed messages."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from adapters.eventstore.store import DeskStore
from adapters.files.sample import SAMPLE_DIR
from adapters.kafka.topics import DOMAIN_TOPICS, LOG_TOPIC, in_namespace
from domain.aggregates import Account, Cause
from projections.desk import DeskView, apply, projections_of, snapshot
from replay.verify import verify
from streams.bootstrap import wall_clock
from streams.demo import run_demo
from streams.kafka.stack import KafkaStack, feed_stack
from streams.process_managers.auto_approver import DEMO_POLICY

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

IST = timezone(timedelta(hours=5, minutes=30))
# Past the INFY target (10:50) and the DRREDDY stop (11:35): trades open, close, a kill switch.
MORNING = datetime(2026, 11, 20, 11, 40, tzinfo=IST)


def _replayed(store_url: str) -> dict[str, Any]:
    view = DeskView()
    for rec in DeskStore(store_url).read_all():
        apply(view, rec.event, rec.position)
    return projections_of(snapshot(view))


def _orders_placed_per_card(store_url: str) -> Counter[str]:
    return Counter(r.event.payload.card_id for r in DeskStore(store_url).read_all()  # type: ignore[attr-defined]
                   if r.event.type == "OrderPlaced")


@pytest.fixture
def stack_for(tmp_path: Path) -> Iterator[Any]:
    stacks: list[KafkaStack] = []

    def make(store_url: str, bootstrap: str, workers: int = 1,
             table_store: str = "memory://") -> KafkaStack:
        stack = KafkaStack(store_url, bootstrap, partitions=3, workers=workers,
                           approver=DEMO_POLICY, namespace=f"t{uuid.uuid4().hex[:10]}",
                           log_dir=tmp_path / "logs", table_store=table_store)
        stack.start()
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


def _assert_matches_replay(stack: KafkaStack, view: DeskView) -> None:
    assert projections_of(snapshot(view)) == _replayed(stack.store_url)
    placed = _orders_placed_per_card(stack.store_url)
    assert placed and max(placed.values()) == 1, "an order was placed twice"
    verdict = verify(DeskStore(stack.store_url))
    assert verdict.ok, verdict.problems


def test_demo_when_run_through_kafka_then_projections_equal_the_embedded_run(
    postgres_url: str, kafka_broker: Any, stack_for: Any, tmp_path: Path
) -> None:
    stack = stack_for(postgres_url, kafka_broker.bootstrap)

    kafka = feed_stack(stack, SAMPLE_DIR, "demo", wall_clock)
    embedded = run_demo(f"sqlite:///{tmp_path / 'embedded.db'}", SAMPLE_DIR, "demo",
                        wall_clock).runtime.view

    assert projections_of(snapshot(kafka)) == projections_of(snapshot(embedded))
    assert any(o.status == "CLOSED" for o in kafka.orders.by_id.values())
    assert any(p.quantity for p in kafka.positions.all())
    _assert_matches_replay(stack, kafka)


def test_worker_when_killed_mid_stream_and_restarted_then_projections_match_replay(
    postgres_url: str, kafka_broker: Any, stack_for: Any
) -> None:
    # RocksDB tables, as in production: the restarted worker reopens its files and
    # catches up from the changelog.
    stack = stack_for(postgres_url, kafka_broker.bootstrap, table_store="rocksdb://")

    def crash(i: int) -> None:
        if i in (60, 110):  # once before the first trade, once while it is open
            stack.kill("worker-0")
            stack.spawn("worker-0")

    view = feed_stack(stack, SAMPLE_DIR, "demo", wall_clock, until=MORNING, after_group=crash)

    _assert_matches_replay(stack, view)
    assert any(o.status == "CLOSED" for o in view.orders.by_id.values())


def test_relay_when_killed_mid_stream_and_restarted_then_projections_match_replay(
    postgres_url: str, kafka_broker: Any, stack_for: Any
) -> None:
    stack = stack_for(postgres_url, kafka_broker.bootstrap)

    def crash(i: int) -> None:
        if i in (50, 100):
            stack.kill("relay")
            stack.spawn("relay")

    view = feed_stack(stack, SAMPLE_DIR, "demo", wall_clock, until=MORNING, after_group=crash)

    _assert_matches_replay(stack, view)


def test_broker_when_down_for_10s_while_events_arrive_then_nothing_is_lost(
    postgres_url: str, local_kafka_broker: Any, stack_for: Any
) -> None:
    stack = stack_for(postgres_url, local_kafka_broker.bootstrap)
    store = DeskStore(postgres_url)
    deposits: list[str] = []

    def outage(i: int) -> None:
        if i != 80:
            return
        local_kafka_broker.stop()
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < 10:  # the desk keeps writing meanwhile
            account = store.load(Account, "account-sip-aggressive")
            now = datetime.now(IST)
            ref = f"outage-{n}"
            account.deposit(Decimal("100.00"), ref, Cause(now, now, "operator:test", ref))
            store.commit(account)
            deposits.append(ref)
            n += 1
            time.sleep(0.5)
        local_kafka_broker.start()

    view = feed_stack(stack, SAMPLE_DIR, "demo", wall_clock, until=MORNING, after_group=outage,
                    timeout=180)

    assert len(deposits) >= 10
    _assert_matches_replay(stack, view)
    assert view.cash["sip-aggressive"].deposits == Decimal("1000000.00") + 100 * len(deposits)


async def _produce_garbage(bootstrap: str, namespace: str) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    sent = 0
    try:
        for topic in (*DOMAIN_TOPICS, LOG_TOPIC):
            name = in_namespace(topic, namespace)
            await producer.send_and_wait(name, b"{not json", key=b"sip-aggressive",
                                         headers=[("notification_id", b"999999")])
            await producer.send_and_wait(name, b'{"type": "BarClosed"}', key=b"sip-aggressive")
            sent += 2
    finally:
        await producer.stop()
    return sent


async def _deadletters(bootstrap: str, namespace: str, expected: int) -> list[Any]:
    consumer = AIOKafkaConsumer(in_namespace("desk.deadletter", namespace),
                                bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    got: list[Any] = []
    try:
        deadline = time.monotonic() + 30
        while len(got) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                got.extend(messages)
    finally:
        await consumer.stop()
    return got


def test_worker_when_malformed_messages_arrive_on_every_input_topic_then_they_are_dead_lettered_and_processing_goes_on(  # noqa: E501
    postgres_url: str, kafka_broker: Any, stack_for: Any
) -> None:
    stack = stack_for(postgres_url, kafka_broker.bootstrap)
    sent: list[int] = []

    def inject(i: int) -> None:
        if i == 40:
            sent.append(asyncio.run(_produce_garbage(stack.bootstrap, stack.namespace)))

    view = feed_stack(stack, SAMPLE_DIR, "demo", wall_clock, until=MORNING, after_group=inject)
    dead = asyncio.run(_deadletters(stack.bootstrap, stack.namespace, sent[0]))

    reasons = [dict(m.headers)["reason"].decode() for m in dead]
    sources = {dict(m.headers)["source_topic"].decode() for m in dead}
    assert len(dead) == sent[0] == 2 * (len(DOMAIN_TOPICS) + 1)
    assert sources == {in_namespace(t, stack.namespace) for t in (*DOMAIN_TOPICS, LOG_TOPIC)}
    assert all(r for r in reasons) and any("notification_id" in r for r in reasons)
    assert {m.value for m in dead} == {b"{not json", b'{"type": "BarClosed"}'}
    _assert_matches_replay(stack, view)


async def _group_members(bootstrap: str, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.describe_consumer_groups([group])
        # DescribeGroups v2: groups = [(error_code, group_id, state, protocol_type, protocol,
        # members), ...]
        return len(response[0].groups[0][5])
    finally:
        await admin.close()


def test_workers_when_one_of_two_is_killed_then_the_other_takes_its_partitions(
    postgres_url: str, kafka_broker: Any, stack_for: Any
) -> None:
    stack = stack_for(postgres_url, kafka_broker.bootstrap, workers=2)
    members: list[int] = []

    def kill_one(i: int) -> None:
        if i == 70:
            members.append(asyncio.run(_group_members(stack.bootstrap,
                                                      f"eventdesk-{stack.namespace}")))
            stack.kill("worker-1")

    view = feed_stack(stack, SAMPLE_DIR, "demo", wall_clock, until=MORNING, after_group=kill_one,
                    timeout=180)

    assert members == [2], "both workers should have shared the partitions before the kill"
    _assert_matches_replay(stack, view)
