"""The real local services (PostgreSQL, Kafka) the other integration tests rely on."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]

from devtools.local_kafka import ExternalKafka, LocalKafkaBroker
from devtools.local_postgres import ExternalPostgres, LocalPostgres

# The first run may fetch the Kafka jars with Maven before the broker starts.
pytestmark = pytest.mark.timeout(300)


async def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    """Send values to one partition (same key) and wait for the acks."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"k")
    finally:
        await producer.stop()


async def _consume(bootstrap: str, topic: str, count: int, timeout: float = 30.0) -> list[bytes]:
    """Read ``count`` values from the start of ``topic`` without a consumer group."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    received: list[bytes] = []
    try:
        async with asyncio.timeout(timeout):
            while len(received) < count:
                batches = await consumer.getmany(timeout_ms=500)
                received += [m.value for msgs in batches.values() for m in msgs if m.value]
    finally:
        await consumer.stop()
    return received


@pytest.mark.postgres
def test_select_when_server_started_then_returns_one(
    postgres_server: LocalPostgres | ExternalPostgres,
) -> None:
    with psycopg.connect(postgres_server.url) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


@pytest.mark.postgres
def test_create_database_when_called_twice_then_databases_are_separate(
    postgres_server: LocalPostgres | ExternalPostgres,
) -> None:
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    urls = [postgres_server.create_database(name) for name in names]
    try:
        with psycopg.connect(urls[0]) as conn:
            conn.execute("create table marker (id int)")
        with psycopg.connect(urls[1]) as conn:
            found = conn.execute("select to_regclass('marker')").fetchone()
            assert found == (None,)
            assert conn.execute("select current_database()").fetchone() == (names[1],)
    finally:
        for name in names:
            postgres_server.drop_database(name)


@pytest.mark.postgres
def test_postgres_url_when_requested_then_database_is_empty(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        count = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'public'"
        ).fetchone()
    assert count == (0,)


@pytest.mark.kafka
def test_consume_when_three_messages_produced_then_all_read_back_in_order(
    kafka_broker: LocalKafkaBroker | ExternalKafka,
) -> None:
    topic = f"t-{uuid.uuid4().hex[:12]}"
    values = [b"m1", b"m2", b"m3"]
    asyncio.run(_produce(kafka_broker.bootstrap, topic, values))
    assert asyncio.run(_consume(kafka_broker.bootstrap, topic, 3)) == values


@pytest.mark.kafka
def test_restart_when_broker_killed_then_messages_still_readable(
    local_kafka_broker: LocalKafkaBroker,
) -> None:
    broker = local_kafka_broker
    topic = f"t-{uuid.uuid4().hex[:12]}"
    values = [b"a", b"b", b"c"]
    asyncio.run(_produce(broker.bootstrap, topic, values))
    bootstrap_before = broker.bootstrap

    broker.kill()
    assert not broker.is_running()
    broker.restart()

    assert broker.bootstrap == bootstrap_before
    assert asyncio.run(_consume(broker.bootstrap, topic, 3)) == values


@pytest.mark.kafka
def test_from_state_when_broker_running_then_another_handle_can_stop_it(
    local_kafka_broker: LocalKafkaBroker,
) -> None:
    handle = LocalKafkaBroker.from_state(local_kafka_broker.data_dir)
    assert handle is not None
    assert handle.is_running()
    assert handle.bootstrap == local_kafka_broker.bootstrap

    handle.stop()

    assert not local_kafka_broker.is_running()
