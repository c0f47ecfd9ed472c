"""Broker housekeeping: create the desk's topics, and read partition end offsets."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import for_code

from adapters.kafka.topics import DEFAULT_NAMESPACE, TOPIC_CONFIGS, in_namespace, topic_specs

_TOPIC_ALREADY_EXISTS = 36


async def ensure_topics(
    bootstrap: str, partitions: int, replication: int = 1, namespace: str = DEFAULT_NAMESPACE
) -> list[str]:
    """Create whichever desk topics are missing; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [(in_namespace(t, namespace), n, TOPIC_CONFIGS.get(t))
                  for t, n in topic_specs(partitions)]
        missing = [NewTopic(topic, count, replication, topic_configs=configs)
                   for topic, count, configs in wanted if topic not in existing]
        if missing:
            response = await admin.create_topics(missing)
            for topic, code, *_ in response.topic_errors:
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    raise for_code(code)(f"cannot create topic {topic}")
        return [t.name for t in missing]
    finally:
        await admin.close()


async def end_offsets(bootstrap: str, topics: list[str]) -> dict[str, int]:
    """`topic:partition` -> offset of the next message to be written (0 when empty)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    parts = []
    for topic in described:
        if topic["error_code"] != 0 or not topic["partitions"]:
            raise LookupError(f"topic {topic['topic']} is not available on {bootstrap}")
        parts += [TopicPartition(topic["topic"], p["partition"]) for p in topic["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(parts)
        return {f"{tp.topic}:{tp.partition}": off for tp, off in ends.items()}
    finally:
        await consumer.stop()
