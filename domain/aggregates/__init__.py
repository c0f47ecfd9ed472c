"""Write-side aggregates: each guards one stream's invariants."""

from domain.aggregates.account import Account
from domain.aggregates.base import Aggregate, Cause, DomainError, StaleWrite
from domain.aggregates.broker_account import BrokerAccount
from domain.aggregates.card import CardNotPending, CardStatus, TradeCard
from domain.aggregates.inputs import InputStream
from domain.aggregates.notification import Delivery
from domain.aggregates.order import Order, OrderStatus
from domain.aggregates.reconciliation import Reconciliation
from domain.aggregates.refusal import ReactionFailure, Refusal
from domain.aggregates.review import CardReview, Prompt
from domain.aggregates.risk_guard import RiskGuard
from domain.aggregates.schedule import DailyReport, JobRun
from domain.aggregates.signal import Signal
from domain.aggregates.strategy_lifecycle import StrategyLifecycle
from domain.aggregates.transfer import Transfer, TransferStatus

__all__ = [
    "Account",
    "Aggregate",
    "BrokerAccount",
    "CardNotPending",
    "CardReview",
    "CardStatus",
    "Cause",
    "DailyReport",
    "Delivery",
    "DomainError",
    "InputStream",
    "JobRun",
    "Order",
    "OrderStatus",
    "Prompt",
    "ReactionFailure",
    "Reconciliation",
    "Refusal",
    "RiskGuard",
    "Signal",
    "StaleWrite",
    "StrategyLifecycle",
    "TradeCard",
    "Transfer",
    "TransferStatus",
]
