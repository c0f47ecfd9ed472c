"""Identifiers, all minted here: time-ordered UUIDv7 event ids and the readable,
deterministic ids of streams and entities.

Pure: the caller supplies the time and the entropy, so replays and backtests regenerate
the same ids. A derived id (a card from its signal, an order from its card) is a function
of its inputs, so a repeated input finds the entity it already made.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from typing import NewType
from uuid import UUID

from domain.session import ist
from domain.values import Leg

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

StreamId = NewType("StreamId", str)
AccountId = NewType("AccountId", str)
CardId = NewType("CardId", str)
OrderId = NewType("OrderId", str)
FillId = NewType("FillId", str)
SignalId = NewType("SignalId", str)
TransferId = NewType("TransferId", str)
PlanId = NewType("PlanId", str)

# Stream prefixes: an aggregate's stream id is its prefix and its entity id.
ACCOUNT_PREFIX = "account-"
CARD_PREFIX = "card-"
ORDER_PREFIX = "order-"
RISK_PREFIX = "risk-"
SIGNAL_PREFIX = "sig-"
TRANSFER_PREFIX = "transfer-"
REFUSAL_PREFIX = "refusal-"
RECONCILIATION_PREFIX = "recon-"
FAILURE_PREFIX = "failure-"
BROKER_PREFIX = "broker-"


def uuid7(at: datetime, entropy: bytes) -> UUID:
    """A UUIDv7 whose first 48 bits are `at` in Unix milliseconds (RFC 9562 layout)."""
    since = at - _EPOCH  # whole-number arithmetic: dividing timedeltas is slow in bulk
    millis = ((since.days * 86_400 + since.seconds) * 1000 + since.microseconds // 1000
              ) & ((1 << 48) - 1)
    rand = int.from_bytes(hashlib.blake2b(entropy, digest_size=10).digest(), "big")
    rand_a = rand >> 68 & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    value = millis << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return UUID(int=value)


def short_hash(*parts: str, length: int = 10) -> str:
    """A short, stable hex digest of `parts`, for deterministic ids derived from inputs."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return digest[:length]


# Accounts, money and risk ----------------------------------------------------------------
def account_stream(account_id: str) -> StreamId:
    """The stream of one account's mandate, funding and cash ledger."""
    return StreamId(ACCOUNT_PREFIX + account_id)


def risk_stream(scope: str) -> StreamId:
    """The kill-switch stream of one account, or of the desk (scope `DESK_SCOPE`)."""
    return StreamId(RISK_PREFIX + scope)


def broker_stream(account_id: str) -> StreamId:
    """The stream of one account's broker connection settings (`desk broker add`)."""
    return StreamId(BROKER_PREFIX + account_id)


def new_transfer_id(at: datetime, entropy: bytes) -> TransferId:
    """A fresh transfer id for an operator's proposal (the entropy makes it unique)."""
    return TransferId(f"{TRANSFER_PREFIX}{uuid7(at, entropy)}")


def transfer_stream(transfer_id: str) -> StreamId:
    """A transfer's stream; the id may be given with or without its prefix."""
    if transfer_id.startswith(TRANSFER_PREFIX):
        return StreamId(transfer_id)
    return StreamId(TRANSFER_PREFIX + transfer_id)


def first_plan_id(account_id: str) -> PlanId:
    """The id of the funding plan an account's intake conversation sets."""
    return PlanId(f"{account_id}/plan-1")


def installment_reference(plan_id: str, kind: str, sequence: int) -> str:
    """One installment of a plan (`plan/sip-3`): the reference its deposit carries."""
    return f"{plan_id}/{kind}-{sequence}"


# Decisions and orders --------------------------------------------------------------------
def news_signal_id(strategy: str, symbol: str, at: datetime) -> SignalId:
    """One signal per event playbook, symbol and session: later items on the same
    catalyst decide nothing new."""
    return SignalId(f"{SIGNAL_PREFIX}{strategy}-{symbol}-{ist(at):%Y%m%d}")


def bar_signal_id(strategy: str, symbol: str, bar_end: datetime) -> SignalId:
    """One signal per bar strategy, symbol and closing bar."""
    return SignalId(f"{SIGNAL_PREFIX}{strategy}-{symbol}-{ist(bar_end):%Y%m%d%H%M}")


def card_id_for(account_id: str, signal_id: str) -> CardId:
    """The one card a signal can make for an account."""
    return CardId(f"{CARD_PREFIX}{account_id}-{signal_id.removeprefix(SIGNAL_PREFIX)}")


def order_id_for(card_id: str) -> OrderId:
    """The one bracket order an approved card places."""
    return OrderId(ORDER_PREFIX + card_id.removeprefix(CARD_PREFIX))


def fill_id_for(order_id: str, leg: Leg) -> FillId:
    """The fill of one leg of an order (each leg fills once, in full)."""
    return FillId(f"{order_id}-{leg.value.lower()}")


def venue_fill_id(venue: str, trade_id: str) -> FillId:
    """A fill a remote venue reported, named by the venue's own trade id, so the same
    trade pushed twice (or imported by reconciliation) is recorded once."""
    return FillId(f"{venue}:{trade_id}")


def reconciliation_stream(venue: str) -> StreamId:
    """The record of one venue's reconciliations: breaks, external orders, resolutions."""
    return StreamId(RECONCILIATION_PREFIX + venue)


def break_id_for(venue: str, kind: str, subject: str, desk_side: str, venue_side: str) -> str:
    """One difference, named by what it is about and both sides: the same difference seen
    again is the same break; a changed one is a new break."""
    return f"break-{venue}-{kind.lower()}-{subject}-{short_hash(desk_side, venue_side, length=8)}"


# Inputs and the daily cycle --------------------------------------------------------------
def tag_stream(source_id: str) -> StreamId:
    """The tagging decision of one news item or announcement."""
    return StreamId(f"tag-{source_id}")


def item_tag_stream(item_stream: str) -> StreamId:
    """The tagging decision of the item logged on `item_stream`: `tag-<source id>` for a
    file's item (`news-<source id>`), one per (source, source id) for a live source's."""
    for prefix in ("news-", "ann-"):
        if item_stream.startswith(prefix):
            return tag_stream(item_stream.removeprefix(prefix))
    return tag_stream(item_stream)


def news_stream(source_id: str) -> StreamId:
    return StreamId(f"news-{source_id}")


def announcement_stream(source_id: str) -> StreamId:
    return StreamId(f"ann-{source_id}")


def bars_stream(symbol: str, bar_start: datetime) -> StreamId:
    """One symbol's bars of one IST day."""
    return StreamId(f"bars-{symbol}-{ist(bar_start):%Y%m%d}")


def rejected_input_stream(source: str, raw: str) -> StreamId:
    """An input line a feed could not read, once per distinct line."""
    return StreamId(f"rejected-{source}-{short_hash(raw)}")


def job_stream(job: str, day: date) -> StreamId:
    """A scheduled job's run on one day: recorded once, so the job runs once a day."""
    return StreamId(f"job-{job}-{day:%Y%m%d}")


def report_stream(day: date) -> StreamId:
    """One day's end-of-day report."""
    return StreamId(f"report-eod-{day:%Y%m%d}")


# Tax records --------------------------------------------------------------------------
def imported_trade_stream(broker: str, exchange: str, day: date, trade_id: str) -> StreamId:
    """One imported trade, by its dedupe key (broker, exchange, trade date, trade id): a
    second import of the same tradebook finds every stream written and adds nothing."""
    # Fields, not strftime: a year's tradebook mints 100,000 of these.
    return StreamId(f"trade-{broker}-{exchange}-{day.isoformat().replace('-', '')}-{trade_id}")


def corporate_action_stream(symbol: str, kind: str, ex_date: date) -> StreamId:
    """One split or bonus of a scrip on its ex-date, recorded once."""
    return StreamId(f"corpaction-{symbol}-{kind.lower()}-{ex_date:%Y%m%d}")


def refusal_stream(process_manager: str, event_id: UUID) -> StreamId:
    """The record that `process_manager` refused the event `event_id` (written once)."""
    return StreamId(f"{REFUSAL_PREFIX}{process_manager}-{event_id}")


def failure_stream(process_manager: str, event_id: UUID) -> StreamId:
    """The record that `process_manager` raised on the event `event_id` (written once)."""
    return StreamId(f"{FAILURE_PREFIX}{process_manager}-{event_id}")


def feed_item_stream(kind: str, source: str, source_id: str) -> StreamId:
    """A news item or filing taken from a live source (webhook, poller): one stream per
    (source, source id), so two sources that reuse an id never share a stream."""
    prefix = "ann" if kind == "announcement" else "news"
    return StreamId(f"{prefix}-{short_hash(source, source_id, length=16)}")


def instrument_stream(symbol: str) -> StreamId:
    """The versions of one instrument in the master, one per change."""
    return StreamId(f"instrument-{symbol}")
def feed_gap_stream(feed: str, start: datetime) -> StreamId:
    """A gap a live feed flagged, once per feed and start."""
    return StreamId(f"gap-{feed}-{start.astimezone(UTC):%Y%m%dT%H%M%S%f}")


def interval_bars_stream(symbol: str, bar_start: datetime, interval: str) -> StreamId:
    """One symbol's bars of another length than a minute (5m, 1h, 1d) for one IST day."""
    return StreamId(f"bars{interval}-{symbol}-{ist(bar_start):%Y%m%d}")
REVIEW_PREFIX = "review-"
PROMPT_PREFIX = "prompt-"


def review_stream(card_id: str) -> StreamId:
    """The stream of one card's reviews (beside the card's own, so approval never waits)."""
    return StreamId(REVIEW_PREFIX + card_id.removeprefix(CARD_PREFIX))


def prompt_stream(name: str) -> StreamId:
    """The stream of a named prompt's published versions."""
    return StreamId(PROMPT_PREFIX + name)


NOTIFY_PREFIX = "notify-"


def notification_stream(event_id: UUID, channel: str) -> StreamId:
    """One event's deliveries to one channel (an operator's chat): the outbox's dedup key."""
    return StreamId(f"{NOTIFY_PREFIX}{channel}-{event_id}")


ALERT_PREFIX = "alert-"
EXPIRY_WARNING_PREFIX = "expiring-"


def alert_stream(rule: str, subject: str) -> StreamId:
    """One alert rule's firings and clearings for one subject (a feed, worker, account)."""
    return StreamId(f"{ALERT_PREFIX}{rule}-{subject}")


def expiry_warning_stream(card_id: str) -> StreamId:
    """The warning that a card is about to expire: one stream per card, so it goes once."""
    return StreamId(f"{EXPIRY_WARNING_PREFIX}{card_id}")


def callback_key(card_id: str) -> str:
    """A short, fixed-length key naming a card inside a chat button (Telegram allows 64
    bytes of callback data); the desk finds the card again by the same function."""
    return hashlib.sha256(card_id.encode()).hexdigest()[:24]


STRATEGY_PREFIX = "strategy-"


def strategy_stream(name: str) -> StreamId:
    """The stream of one named strategy's versions, deployments, pauses and retirement."""
    return StreamId(STRATEGY_PREFIX + name)


def strategy_version_id(name: str, sha256: str) -> str:
    """A strategy version's id, from its definition's sha256: the same definition is the
    same version whoever publishes it, and the shipped file's version has the same id."""
    return f"{name}-{sha256[:10]}"


def versioned_signal_key(strategy: str, version_id: str, file_version_id: str) -> str:
    """What a signal id names as its maker: the strategy for the strategy file's version
    (the ids the desk has always minted), the version id for any other version."""
    return strategy if version_id == file_version_id else version_id


def strategy_window_stream(strategy: str, day: date, start: time) -> StreamId:
    """One entry window of a strategy on one day: opened once, closed once."""
    return StreamId(f"window-{strategy}-{day:%Y%m%d}-{start:%H%M}")
