"""What an operator is told, and about what: pure rendering of events into messages.

A table maps each notifiable event type to its topic and its renderer; an operator's
subscription is a set of topics. A new card's message carries the card id, so a channel
with buttons can offer Approve and Reject on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.events import (
    AlertCleared,
    AlertFired,
    CardApproved,
    CardExpired,
    CardExpiring,
    CardProposed,
    CardRejected,
    CardReviewed,
    DailyReportPublished,
    KillSwitchReset,
    KillSwitchTripped,
    OrderFilled,
    Payload,
    PositionClosed,
    ReconciliationBreak,
)
from domain.session import ist

TOPICS = ("cards", "fills", "exits", "kill_switches", "reconciliation", "alerts", "reports")


@dataclass(frozen=True)
class ChatOperator:
    """A desk operator reachable on chats: who may press buttons, where messages go
    (0 or "": not on that channel)."""

    name: str
    role: str  # viewer, approver or admin, as the API's tokens name them
    telegram_user_id: int
    chat_id: int
    topics: frozenset[str]
    discord_user_id: int = 0
    discord_channel_id: str = ""
    email: str = ""

    @property
    def actor(self) -> str:
        """The actor a decision taken from the Telegram chat records."""
        return self.via("telegram")

    def via(self, channel: str) -> str:
        """The actor a decision taken from a message on `channel` records."""
        return f"operator:{self.name} via {channel}"


@dataclass(frozen=True)
class ButtonPress:
    """A button pressed in a chat: who pressed it, on which message, asking what about
    which card (by its `domain.ids.callback_key`)."""

    press_id: str
    user_id: int
    message_ref: str
    action: str  # "approve" or "reject"
    card_key: str


@dataclass(frozen=True)
class Message:
    """A message for one operator: its text, and the card it asks a decision on (if any)."""

    text: str
    card_id: str = ""


def _card(e: CardProposed, verdict: str) -> Message:
    judged = f"\nJudge: {verdict}" if verdict else ""
    return Message(
        f"New card {e.card_id}\n{e.side} {e.quantity} {e.symbol} for {e.account_id}"
        f" ({e.strategy})\nEntry {e.reference_price} · "
        + (f"stop {e.stop} · target {e.target}" if e.stop is not None
           else "plain entry, no stop or target")
        + f"\nThesis: {e.thesis[:600]}{judged}"
        f"\nExpires {ist(e.expires_at):%d %b %H:%M} IST",
        card_id=e.card_id,
    )


def _reviewed(e: CardReviewed, _: str) -> Message:
    return Message(f"Judge on {e.card_id}: {e.verdict} ({e.confidence})\n{e.thesis[:600]}")


def _filled(e: OrderFilled, _: str) -> Message:
    return Message(f"Filled {e.leg} {e.side} {e.quantity} {e.symbol} @ {e.price}"
                   f" for {e.account_id} ({e.order_id})")


def _closed(e: PositionClosed, _: str) -> Message:
    return Message(f"Closed {e.quantity} {e.symbol} for {e.account_id}: {e.entry_price} →"
                   f" {e.exit_price} ({e.exit_leg}), realised P&L ₹{e.realised_pnl}")


def _tripped(e: KillSwitchTripped, _: str) -> Message:
    return Message(f"KILL SWITCH tripped for {e.scope}: {e.reason}"
                   f" ({e.metric} {e.value} vs limit {e.limit})")


def _reset(e: KillSwitchReset, _: str) -> Message:
    return Message(f"Kill switch reset for {e.scope}: {e.reason}")


def _break(e: ReconciliationBreak, _: str) -> Message:
    held = ", ".join(e.accounts) or "no account"
    return Message(f"RECONCILIATION BREAK at {e.venue}: {e.kind} {e.subject}"
                   f"\ndesk: {e.desk_side}\nvenue: {e.venue_side}\nNo new entries for {held}")


def _expiring(e: CardExpiring, _: str) -> Message:
    return Message(f"Card {e.card_id} expires in {e.minutes_left} min"
                   f" ({ist(e.expires_at):%H:%M} IST), undecided: {e.side} {e.quantity}"
                   f" {e.symbol} for {e.account_id}", card_id=e.card_id)


def _alert_fired(e: AlertFired, _: str) -> Message:
    return Message(f"ALERT {e.rule} ({e.kind}) for {e.subject}: {e.observed} over"
                   f" {e.threshold}\n{e.evidence}")


def _alert_cleared(e: AlertCleared, _: str) -> Message:
    return Message(f"Cleared {e.rule} ({e.kind}) for {e.subject}: {e.observed}\n{e.evidence}")


def _eod(e: DailyReportPublished, _: str) -> Message:
    lines = [f"EOD report {e.day:%d %b %Y} ({len(e.accounts)} accounts)"]
    lines += [f"{a.account_id}: realised ₹{a.realised_pnl}, costs ₹{a.costs},"
              f" {a.open_positions} open, cards {a.cards_approved}/{a.cards_proposed} approved"
              for a in e.accounts[:20]]
    return Message("\n".join(lines))


# Event type -> (topic, renderer taking the payload and the card's judge verdict if known).
RENDERERS: dict[str, tuple[str, Callable[[Any, str], Message]]] = {
    CardProposed.event_type: ("cards", _card),
    CardReviewed.event_type: ("cards", _reviewed),
    OrderFilled.event_type: ("fills", _filled),
    PositionClosed.event_type: ("exits", _closed),
    KillSwitchTripped.event_type: ("kill_switches", _tripped),
    KillSwitchReset.event_type: ("kill_switches", _reset),
    ReconciliationBreak.event_type: ("reconciliation", _break),
    CardExpiring.event_type: ("cards", _expiring),
    AlertFired.event_type: ("alerts", _alert_fired),
    AlertCleared.event_type: ("alerts", _alert_cleared),
    DailyReportPublished.event_type: ("reports", _eod),
}


def render(payload: Payload, verdict: str = "") -> tuple[str, Message] | None:
    """The topic and message for an event, or None when operators are not told of it."""
    row = RENDERERS.get(payload.event_type)
    if row is None:
        return None
    topic, renderer = row
    return topic, renderer(payload, verdict)


def decided_text(payload: Payload) -> tuple[str, str] | None:
    """(card id, what its message now shows) once a card is decided or expired; else None."""
    if isinstance(payload, CardApproved):
        return payload.card_id, outcome_text(payload.card_id, "approved", payload.approved_by)
    if isinstance(payload, CardRejected):
        return payload.card_id, outcome_text(payload.card_id, "rejected", payload.rejected_by,
                                             payload.reason)
    if isinstance(payload, CardExpired):
        return payload.card_id, f"Card {payload.card_id} expired undecided"
    return None


DECIDED = (CardApproved.event_type, CardRejected.event_type, CardExpired.event_type)


def outcome_text(card_id: str, decided: str, actor: str, reason: str = "") -> str:
    """The text a card's message shows once decided from a chat (the buttons are gone)."""
    why = f": {reason}" if reason else ""
    return f"Card {card_id} {decided} by {actor}{why}"


class DeliveryError(Exception):
    """A channel did not accept a message; `reason` is safe to record (never a secret).
    `permanent`: asking again cannot help (the chat blocked the bot, a malformed message),
    so the outbox records it and moves on; anything else is retried until it goes."""

    def __init__(self, reason: str, retry_after: float = 0.0, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
