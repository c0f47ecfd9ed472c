"""Where each event goes on Kafka: its topic, its message key and its headers. No I/O.

Keys choose the partition, so they decide which events keep their relative order:
market data and signals by symbol, kill switches by scope, and everything an account owns
(its cash ledger, cards and orders) by account id: desk.accounts, desk.cards, desk.orders
and desk.risk are co-partitioned, so one worker folds all of an account's events into its
view. `desk.log`, the single-partition topic every event is also written to, carries the
whole log in order for the process managers.
"""

from __future__ import annotations

from domain.events import Envelope

MARKET_TOPIC = "desk.market"
NEWS_TOPIC = "desk.news"
SIGNALS_TOPIC = "desk.signals"
CARDS_TOPIC = "desk.cards"
ORDERS_TOPIC = "desk.orders"
ACCOUNTS_TOPIC = "desk.accounts"
RISK_TOPIC = "desk.risk"
LOG_TOPIC = "desk.log"
DEADLETTER_TOPIC = "desk.deadletter"
# Signed checkpoints of the log head (adapters/kafka/checkpoints.py); never expire.
CHECKPOINTS_TOPIC = "desk.checkpoints"

DOMAIN_TOPICS = (
    MARKET_TOPIC,
    NEWS_TOPIC,
    SIGNALS_TOPIC,
    CARDS_TOPIC,
    ORDERS_TOPIC,
    ACCOUNTS_TOPIC,
    RISK_TOPIC,
)

_STREAM = None  # key rule: the envelope's stream id

# event type -> (topic, the payload field holding the key, or _STREAM for the stream id)
_ROUTES: dict[str, tuple[str, str | None]] = {
    "BarClosed": (MARKET_TOPIC, "symbol"),
    "NewsArrived": (NEWS_TOPIC, _STREAM),
    "AnnouncementArrived": (NEWS_TOPIC, "symbol"),
    "InputRejected": (NEWS_TOPIC, _STREAM),
    "FeedGapFlagged": (MARKET_TOPIC, _STREAM),
    "SignalScored": (SIGNALS_TOPIC, "symbol"),
    "SignalFiltered": (SIGNALS_TOPIC, "symbol"),
    "NewsTagged": (SIGNALS_TOPIC, "source_event"),
    "CardProposed": (CARDS_TOPIC, "account_id"),
    "CardBlocked": (CARDS_TOPIC, "account_id"),
    "CardApproved": (CARDS_TOPIC, "account_id"),
    "CardRejected": (CARDS_TOPIC, "account_id"),
    "CardExpired": (CARDS_TOPIC, "account_id"),
    "OrderDenied": (CARDS_TOPIC, "account_id"),
    # The judge's reviews travel with their card (same account key, same partition).
    "CardReviewRequested": (CARDS_TOPIC, "account_id"),
    "CardReviewed": (CARDS_TOPIC, "account_id"),
    "CardReviewFailed": (CARDS_TOPIC, "account_id"),
    "PromptVersionPublished": (CARDS_TOPIC, _STREAM),
    "PromptPromoted": (CARDS_TOPIC, _STREAM),
    "OrderPlaced": (ORDERS_TOPIC, "account_id"),
    "OrderAccepted": (ORDERS_TOPIC, "account_id"),
    "OrderRejected": (ORDERS_TOPIC, "account_id"),
    "OrderFilled": (ORDERS_TOPIC, "account_id"),
    "OrderPartiallyFilled": (ORDERS_TOPIC, "account_id"),
    "OrderCancelled": (ORDERS_TOPIC, "account_id"),
    "PositionClosed": (ORDERS_TOPIC, "account_id"),
    # A venue's reconciliation record stays in order on its stream.
    "ReconciliationBreak": (ORDERS_TOPIC, _STREAM),
    "ExternalOrderObserved": (ORDERS_TOPIC, _STREAM),
    "BreakResolved": (ORDERS_TOPIC, _STREAM),
    "ExitRequested": (ORDERS_TOPIC, "account_id"),
    "ExitRefused": (ORDERS_TOPIC, "account_id"),
    "AccountOpened": (ACCOUNTS_TOPIC, "account_id"),
    "BrokerConfigured": (ACCOUNTS_TOPIC, "account_id"),
    "MandateSet": (ACCOUNTS_TOPIC, "account_id"),
    "CashDeposited": (ACCOUNTS_TOPIC, "account_id"),
    "CashReserved": (ACCOUNTS_TOPIC, "account_id"),
    "CashReleased": (ACCOUNTS_TOPIC, "account_id"),
    "CashDeployed": (ACCOUNTS_TOPIC, "account_id"),
    "CashReturned": (ACCOUNTS_TOPIC, "account_id"),
    "CashTransferredIn": (ACCOUNTS_TOPIC, "account_id"),
    "CashTransferredOut": (ACCOUNTS_TOPIC, "account_id"),
    "FundingPlanSet": (ACCOUNTS_TOPIC, "account_id"),
    "TrancheReleased": (ACCOUNTS_TOPIC, "account_id"),
    # A transfer's own decisions stay in order on its stream; the cash moves are keyed above.
    "TransferProposed": (ACCOUNTS_TOPIC, _STREAM),
    "TransferApproved": (ACCOUNTS_TOPIC, _STREAM),
    "TransferRejected": (ACCOUNTS_TOPIC, _STREAM),
    # A strategy's lifecycle stays in order on its stream; the process managers read it
    # from desk.log like every event.
    "StrategyVersionPublished": (ACCOUNTS_TOPIC, _STREAM),
    "StrategyDeployed": (ACCOUNTS_TOPIC, _STREAM),
    "StrategyPaused": (ACCOUNTS_TOPIC, _STREAM),
    "StrategyResumed": (ACCOUNTS_TOPIC, _STREAM),
    "StrategyRetired": (ACCOUNTS_TOPIC, _STREAM),
    "StrategyWindowOpened": (ACCOUNTS_TOPIC, _STREAM),
    "StrategyWindowClosed": (ACCOUNTS_TOPIC, _STREAM),
    # The daily cycle's records: one stream per (job, day) and per report day.
    "JobCompleted": (ACCOUNTS_TOPIC, _STREAM),
    "DailyReportPublished": (ACCOUNTS_TOPIC, _STREAM),
    # Trades from a broker's tradebook belong to their account, like its own fills.
    "TradeImported": (ACCOUNTS_TOPIC, "account_id"),
    # A split or bonus concerns every holder of the scrip: keyed like its bars.
    "CorporateActionRecorded": (MARKET_TOPIC, "symbol"),
    # A new version of an instrument in the master: keyed like its bars.
    "InstrumentListed": (MARKET_TOPIC, "symbol"),
    "KillSwitchTripped": (RISK_TOPIC, "scope"),
    "KillSwitchReset": (RISK_TOPIC, "scope"),
    "DeskLossLimitSet": (RISK_TOPIC, "scope"),  # beside the desk kill switch it sets
    # A process manager's refusal: one stream per (process manager, event), kept in order.
    "ReactionRefused": (RISK_TOPIC, _STREAM),
    "ReactionFailed": (RISK_TOPIC, _STREAM),
    "NotificationSent": (RISK_TOPIC, _STREAM),  # operational, like the reactions above
    "NotificationFailed": (RISK_TOPIC, _STREAM),
    "AlertFired": (RISK_TOPIC, _STREAM),  # one stream per (rule, subject), kept in order
    "AlertCleared": (RISK_TOPIC, _STREAM),
    "CardExpiring": (CARDS_TOPIC, "account_id"),  # keyed like the card it warns of
}


class UnroutableEvent(KeyError):
    """An event type with no topic: a new event type was added without a route."""


def routed_event_types() -> list[str]:
    """Every event type that has a topic, sorted."""
    return sorted(_ROUTES)


def topic_for(event_type: str) -> str:
    """The domain topic of `event_type`."""
    try:
        return _ROUTES[event_type][0]
    except KeyError:
        raise UnroutableEvent(event_type) from None


def key_for(envelope: Envelope) -> bytes:
    """The domain-topic message key of `envelope` (UTF-8)."""
    try:
        field = _ROUTES[envelope.type][1]
    except KeyError:
        raise UnroutableEvent(envelope.type) from None
    key = envelope.stream_id if field is None else str(getattr(envelope.payload, field))
    return key.encode()


def log_key_for(envelope: Envelope) -> bytes:
    """The `desk.log` message key: the stream id."""
    return envelope.stream_id.encode()


def headers_for(position: int, envelope: Envelope) -> list[tuple[str, bytes]]:
    """Headers of every message the relay sends for the event at log `position`."""
    return [
        ("notification_id", str(position).encode("ascii")),
        ("event_id", str(envelope.event_id).encode()),
        ("event_type", envelope.type.encode()),
        ("stream_id", envelope.stream_id.encode()),
        ("stream_version", str(envelope.stream_version).encode()),
        ("correlation_id", envelope.correlation_id.encode()),
    ]


def topic_specs(partitions: int) -> list[tuple[str, int]]:
    """(topic, partitions) for every relay topic; the log, dead letters and checkpoints
    have one."""
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, got {partitions}")
    return [
        *((topic, partitions) for topic in DOMAIN_TOPICS),
        (LOG_TOPIC, 1),
        (DEADLETTER_TOPIC, 1),
        (CHECKPOINTS_TOPIC, 1),
    ]


# Topic settings other than the broker's defaults: checkpoints are audit evidence, kept forever.
TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    CHECKPOINTS_TOPIC: {"retention.ms": "-1", "cleanup.policy": "delete"},
}


DEFAULT_NAMESPACE = "desk"
# Client defaults, defined here once for every Kafka command, the relay and the workers.
DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_PARTITIONS = 3  # per domain topic; desk.log and desk.deadletter always have one


def in_namespace(topic: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """The topic's name in a namespace: `desk.market` becomes `<namespace>.market`.

    One broker can then serve several desks (or several demo stores) without their logs
    mixing; the default namespace keeps the plain `desk.*` names.
    """
    return namespace + topic.removeprefix(DEFAULT_NAMESPACE)
