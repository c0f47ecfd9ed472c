"""Write-side aggregates: each guards one stream's invariants."""

from domain.aggregates.account import Account, account_stream
from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.aggregates.card import CardNotPending, CardStatus, TradeCard
from domain.aggregates.inputs import InputStream
from domain.aggregates.order import Order, OrderStatus
from domain.aggregates.refusal import Refusal, refusal_stream
from domain.aggregates.risk_guard import RiskGuard, risk_stream
from domain.aggregates.schedule import DailyReport, JobRun, job_stream, report_stream
from domain.aggregates.signal import Signal
from domain.aggregates.transfer import Transfer, TransferStatus, transfer_stream

__all__ = [
    "Account",
    "Aggregate",
    "CardNotPending",
    "CardStatus",
    "Cause",
    "DailyReport",
    "DomainError",
    "InputStream",
    "JobRun",
    "Order",
    "OrderStatus",
    "Refusal",
    "RiskGuard",
    "Signal",
    "TradeCard",
    "Transfer",
    "TransferStatus",
    "account_stream",
    "job_stream",
    "refusal_stream",
    "report_stream",
    "risk_stream",
    "transfer_stream",
]
