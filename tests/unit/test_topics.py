"""Kafka routing: every event type has a topic, keys keep the right events in order."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import Notification

from adapters.kafka.entries import entry_for
from adapters.kafka.topics import (
    CHECKPOINTS_TOPIC,
    DEADLETTER_TOPIC,
    DOMAIN_TOPICS,
    LOG_TOPIC,
    TOPIC_CONFIGS,
    UnroutableEvent,
    headers_for,
    key_for,
    log_key_for,
    routed_event_types,
    topic_for,
    topic_specs,
)
from domain.events import (
    AnnouncementArrived,
    CashDeposited,
    Envelope,
    KillSwitchTripped,
    NewsArrived,
    SignalFiltered,
    known_event_types,
)
from tests.unit.conftest import T0, D, bar, envelope, placed, proposal


@pytest.mark.parametrize("event_type", known_event_types())
def test_topic_for_when_any_registered_event_type_then_a_domain_topic(event_type: str) -> None:
    assert topic_for(event_type) in DOMAIN_TOPICS


def test_routes_when_compared_with_the_registry_then_no_route_is_stale() -> None:
    assert routed_event_types() == known_event_types()


def test_topic_for_when_type_unknown_then_unroutable() -> None:
    with pytest.raises(UnroutableEvent):
        topic_for("SomethingNew")


@pytest.mark.parametrize(
    ("event_type", "topic"),
    [
        ("BarClosed", "desk.market"),
        ("NewsArrived", "desk.news"),
        ("InputRejected", "desk.news"),
        ("SignalScored", "desk.signals"),
        ("OrderDenied", "desk.cards"),
        ("PositionClosed", "desk.orders"),
        ("CashReserved", "desk.accounts"),
        ("KillSwitchReset", "desk.risk"),
    ],
)
def test_topic_for_when_event_type_given_then_its_documented_topic(
    event_type: str, topic: str
) -> None:
    assert topic_for(event_type) == topic


def test_key_for_when_bar_then_symbol() -> None:
    event = envelope(bar("100", "101", "99", "100", symbol="INFY"), "bars-INFY")

    assert key_for(event) == b"INFY"


def test_key_for_when_announcement_then_its_symbol_but_news_by_stream() -> None:
    common = {
        "source_id": "nse-1", "source": "NSE", "published_at": T0, "headline": "Buyback",
        "category": "buyback",
    }
    announcement = envelope(AnnouncementArrived(symbol="TCS", **common), "nse-ann-1")
    news = envelope(NewsArrived(symbols=("TCS",), **common), "news-wire-7")

    assert key_for(announcement) == b"TCS"
    assert key_for(news) == b"news-wire-7"


def test_key_for_when_signal_filtered_then_symbol() -> None:
    payload = SignalFiltered(
        signal_id="sig-1", strategy="buyback", symbol="TCS", reason="late", evidence=()
    )

    assert key_for(envelope(payload, "signal-sig-1")) == b"TCS"


def test_key_for_when_order_or_card_event_then_account_id_like_its_cash() -> None:
    order = envelope(placed(order_id="order-x", account_id="acc-1"), "order-x")
    card = envelope(proposal(card_id="card-x", account_id="acc-1"), "card-x")
    cash = envelope(CashDeposited(account_id="acc-1", amount=D("10"), reference="r"), "account-1")

    assert key_for(order) == key_for(card) == key_for(cash) == b"acc-1"


def test_key_for_when_cash_or_kill_switch_then_account_or_scope() -> None:
    deposit = CashDeposited(account_id="acc-1", amount=D("10"), reference="r")
    cash = envelope(deposit, "account-acc-1")
    kill = envelope(
        KillSwitchTripped(scope="desk", reason="loss", metric="pnl", value=D("-9"), limit=D("-5")),
        "risk-desk",
    )

    assert key_for(cash) == b"acc-1"
    assert key_for(kill) == b"desk"


def test_headers_for_when_event_then_position_ids_and_correlation_as_utf8() -> None:
    event = envelope(
        CashDeposited(account_id="acc-1", amount=D("10"), reference="r"), "account-acc-1",
        version=3, correlation_id="corr-₹",
    )

    headers = dict(headers_for(42, event))

    assert headers == {
        "notification_id": b"42",
        "event_id": str(event.event_id).encode(),
        "event_type": b"CashDeposited",
        "stream_id": b"account-acc-1",
        "stream_version": b"3",
        "correlation_id": "corr-₹".encode(),
    }
    assert log_key_for(event) == b"account-acc-1"


def test_topic_specs_when_partitions_given_then_domain_topics_use_them_log_has_one() -> None:
    specs = dict(topic_specs(6))

    assert {t: specs[t] for t in DOMAIN_TOPICS} == dict.fromkeys(DOMAIN_TOPICS, 6)
    assert specs[LOG_TOPIC] == 1 and specs[DEADLETTER_TOPIC] == 1
    assert specs[CHECKPOINTS_TOPIC] == 1
    assert len(specs) == len(DOMAIN_TOPICS) + 3


def test_topic_configs_when_checkpoints_topic_created_then_kept_forever() -> None:
    assert TOPIC_CONFIGS[CHECKPOINTS_TOPIC]["retention.ms"] == "-1"
    assert set(TOPIC_CONFIGS) == {CHECKPOINTS_TOPIC}


def test_topic_specs_when_zero_partitions_then_rejected() -> None:
    with pytest.raises(ValueError, match="partitions"):
        topic_specs(0)


def _stored(event: Envelope, position: int) -> Notification:
    return Notification(
        originator_id=event.stream_id, originator_version=event.stream_version,
        topic=event.type, state=event.model_dump_json().encode(), id=position,
    )


def test_entry_for_when_event_stored_then_domain_and_log_messages_carry_the_stored_bytes() -> None:
    event = envelope(bar("100", "101", "99", "100", symbol="INFY"), "bars-INFY", version=4)
    stored = _stored(event, 7)

    entry = entry_for(stored)

    assert [(m.topic, m.key) for m in entry.messages] == [
        ("desk.market", b"INFY"), ("desk.log", b"bars-INFY")
    ]
    assert all(m.value == stored.state for m in entry.messages)
    assert all(m.headers == headers_for(7, event) for m in entry.messages)
    assert (entry.position, entry.correlation_id) == (7, "corr-1")


def test_entry_for_when_event_undecodable_then_on_log_and_dead_letter_not_skipped() -> None:
    state = b'{"event_id": "e-1", "type": "FromTheFuture", "correlation_id": "corr-9"}'
    stored = Notification(
        originator_id="future-1", originator_version=2, topic="FromTheFuture", state=state, id=9
    )

    entry = entry_for(stored)

    assert [(m.topic, m.key, m.value) for m in entry.messages] == [
        ("desk.log", b"future-1", state), ("desk.deadletter", b"future-1", state)
    ]
    log_headers, dead_headers = (dict(m.headers) for m in entry.messages)
    assert log_headers == {
        "notification_id": b"9", "event_id": b"e-1", "event_type": b"FromTheFuture",
        "stream_id": b"future-1", "stream_version": b"2", "correlation_id": b"corr-9",
    }
    assert b"unknown event type 'FromTheFuture'" in dead_headers["error"]
    assert entry.correlation_id == "corr-9"
