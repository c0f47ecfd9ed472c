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
from domain.events.alerts import AlertCleared, AlertFired, CardExpiring
from domain.events.brokers import BrokerConfigured
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
    Recorded,
    known_event_types,
    payload_type,
    register_upcaster,
)
from domain.events.exits import DeskLossLimitSet, ExitAction, ExitRefused, ExitRequested
from domain.events.feeds import FeedGapFlagged
from domain.events.imports import CorporateActionRecorded, TradeImported
from domain.events.instruments import InstrumentListed
from domain.events.market import AnnouncementArrived, BarClosed, InputRejected, NewsArrived
from domain.events.notifications import NotificationFailed, NotificationSent
from domain.events.orders import (
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderPlaced,
    OrderRejected,
    PositionClosed,
)
from domain.events.reactions import ReactionFailed, ReactionRefused
from domain.events.reconciliation import (
    BreakResolved,
    ExternalOrderObserved,
    ReconciliationBreak,
)
from domain.events.reviews import (
    CardReviewed,
    CardReviewFailed,
    CardReviewRequested,
    PromptPromoted,
    PromptVersionPublished,
)
from domain.events.risk import DESK_SCOPE, KillSwitchReset, KillSwitchTripped
from domain.events.schedule import AccountDay, DailyReportPublished, JobCompleted
from domain.events.strategies import (
    StrategyDeployed,
    StrategyPaused,
    StrategyResumed,
    StrategyRetired,
    StrategyVersionPublished,
)
from domain.events.treasury import (
    CashTransferredIn,
    CashTransferredOut,
    FundingPlanSet,
    TrancheReleased,
    TransferApproved,
    TransferProposed,
    TransferRejected,
)

__all__ = [
    "DESK_SCOPE",
    "AccountDay",
    "AccountOpened",
    "AlertCleared",
    "AlertFired",
    "AnnouncementArrived",
    "BarClosed",
    "BreakResolved",
    "BrokerConfigured",
    "CardApproved",
    "CardBlocked",
    "CardExpired",
    "CardExpiring",
    "CardProposed",
    "CardRejected",
    "CardReviewFailed",
    "CardReviewRequested",
    "CardReviewed",
    "CashDeployed",
    "CashDeposited",
    "CashReleased",
    "CashReserved",
    "CashReturned",
    "CashTransferredIn",
    "CashTransferredOut",
    "CorporateActionRecorded",
    "DailyReportPublished",
    "DeskLossLimitSet",
    "Envelope",
    "ExitAction",
    "ExitRefused",
    "ExitRequested",
    "ExternalOrderObserved",
    "FeedGapFlagged",
    "FundingPlanSet",
    "InputRejected",
    "InstrumentListed",
    "JobCompleted",
    "KillSwitchReset",
    "KillSwitchTripped",
    "MandateSet",
    "NewsArrived",
    "NewsTagged",
    "NotificationFailed",
    "NotificationSent",
    "OrderAccepted",
    "OrderCancelled",
    "OrderDenied",
    "OrderFilled",
    "OrderPartiallyFilled",
    "OrderPlaced",
    "OrderRejected",
    "Payload",
    "PositionClosed",
    "PromptPromoted",
    "PromptVersionPublished",
    "ReactionFailed",
    "ReactionRefused",
    "ReconciliationBreak",
    "Recorded",
    "SignalFiltered",
    "SignalScored",
    "StrategyDeployed",
    "StrategyPaused",
    "StrategyResumed",
    "StrategyRetired",
    "StrategyVersionPublished",
    "TradeImported",
    "TrancheReleased",
    "TransferApproved",
    "TransferProposed",
    "TransferRejected",
    "known_event_types",
    "payload_type",
    "register_upcaster",
]
