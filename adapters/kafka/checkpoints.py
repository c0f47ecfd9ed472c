"""Signed checkpoints on `desk.checkpoints`: the relay's copy of the log's head, outside the store.

While a checkpoint key is configured (`DESK_CHECKPOINT_KEY_FILE`), the relay signs the chain
link at the last position it published, at most every `every` seconds and once more when it
stops, and sends the checkpoint to `desk.checkpoints` (one partition, kept forever) and to the
append-only checkpoint file. Someone with write access to the database then also needs the
Kafka log and the file to hide a truncated tail or a re-chained edit:
`desk replay verify --from-kafka` checks the log against the newest checkpoint on the topic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.eventstore.checkpoints import (
    Checkpoint,
    CheckpointError,
    append,
    parse_checkpoint,
    sign,
)
from adapters.eventstore.store import DeskStore
from adapters.eventstore.url import store_label
from adapters.kafka.topics import CHECKPOINTS_TOPIC, in_namespace

log = structlog.get_logger("eventdesk.relay")

DEFAULT_EVERY = 10.0  # seconds between two checkpoints while the log grows


@dataclass
class CheckpointSigner:
    """Signs the link at a published position when one is due; see the module doc."""

    store: DeskStore
    key: Ed25519PrivateKey
    file: Path | None
    every: float = DEFAULT_EVERY
    clock: Callable[[], float] = time.monotonic
    signed_position: int = 0
    _last: float = float("-inf")

    def __post_init__(self) -> None:
        self.label = store_label(self.store.url)

    def due(self, position: int, final: bool = False) -> bool:
        """Whether to sign `position` now: it is new, and the interval has passed (or the
        relay is stopping)."""
        if position <= self.signed_position:
            return False
        return final or self.clock() - self._last >= self.every

    def sign(self, position: int) -> Checkpoint | None:
        """The signed checkpoint of `position` (None: the store has no link there); written
        to the checkpoint file first, so a checkpoint on the topic is also on disk."""
        links = self.store.chained.chain(position, position)
        if not links:
            return None
        cp = sign(self.key, self.label, position, links[0][1], datetime.now(UTC))
        if self.file is not None:
            append(self.file, cp)
        self.signed_position, self._last = position, self.clock()
        return cp


def message_for(cp: Checkpoint, namespace: str) -> tuple[str, bytes, bytes]:
    """(topic, key, value) of a checkpoint: keyed by the store it names."""
    return in_namespace(CHECKPOINTS_TOPIC, namespace), cp.store.encode(), cp.text().encode()


async def newest_on_topic(bootstrap: str, namespace: str, store: str,
                          timeout: float = 10.0) -> Checkpoint | None:
    """The checkpoint of `store` with the highest position on `desk.checkpoints` (None when
    the topic holds none); unreadable messages are skipped with a warning."""
    topic = in_namespace(CHECKPOINTS_TOPIC, namespace)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                request_timeout_ms=int(timeout * 1000))
    try:
        await consumer.start()
        if topic not in await consumer.topics():  # fresh metadata from the broker
            return None
        parts = [TopicPartition(topic, 0)]  # the topic has one partition (topic_specs)
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        newest: Checkpoint | None = None
        deadline = time.monotonic() + timeout
        while await _behind(consumer, ends):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} from {bootstrap} took over {timeout} s")
            batch = await consumer.getmany(*parts, timeout_ms=500)
            for message in (m for ms in batch.values() for m in ms):
                try:
                    cp = parse_checkpoint((message.value or b"").decode("utf-8", "replace"))
                except CheckpointError as e:
                    log.warning("checkpoint.unreadable", topic=topic, offset=message.offset,
                                reason=str(e))
                    continue
                if cp.store == store and (newest is None or cp.position > newest.position):
                    newest = cp
        return newest
    finally:
        await consumer.stop()


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    """Whether the consumer has yet to read up to any partition's end offset."""
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False
