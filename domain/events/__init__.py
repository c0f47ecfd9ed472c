"""Every event type of the desk, in one namespace."""

from domain.events.accounts import (
    AccountOpened,
    CashDeployed,
    CashDeposited,
    CashReleased,
    CashReserved,
    CashReturned,
    MandateSet,
)
from domain.events.decisions import (
    CardApproved,
    CardBlocked,
    CardExpired,
    CardProposed,
    CardRejected,
    NewsTagged,
    OrderDenied,
    SignalFiltered,
    SignalScored,
)
from domain.events.envelope import (
    Envelope,
    Payload,
    known_event_types,
    payload_type,
    register_upcaster,
)
from domain.events.market import AnnouncementArrived, BarClosed, InputRejected, NewsArrived
from domain.events.orders import (
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPlaced,
    OrderRejected,
    PositionClosed,
)
from domain.events.risk import DESK_SCOPE, KillSwitchReset, KillSwitchTripped

__all__ = [
    "DESK_SCOPE",
    "AccountOpened",
    "AnnouncementArrived",
    "BarClosed",
    "CardApproved",
    "CardBlocked",
    "CardExpired",
    "CardProposed",
    "CardRejected",
    "CashDeployed",
    "CashDeposited",
    "CashReleased",
    "CashReserved",
    "CashReturned",
    "Envelope",
    "InputRejected",
    "KillSwitchReset",
    "KillSwitchTripped",
    "MandateSet",
    "NewsArrived",
    "NewsTagged",
    "OrderAccepted",
    "OrderCancelled",
    "OrderDenied",
    "OrderFilled",
    "OrderPlaced",
    "OrderRejected",
    "Payload",
    "PositionClosed",
    "SignalFiltered",
    "SignalScored",
    "known_event_types",
    "payload_type",
    "register_upcaster",
]
