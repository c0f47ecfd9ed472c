"""Write-side aggregates: each guards one stream's invariants."""

from domain.aggregates.account import Account, account_stream
from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.aggregates.card import CardNotPending, CardStatus, TradeCard
from domain.aggregates.order import Order, OrderStatus
from domain.aggregates.risk_guard import RiskGuard, risk_stream
from domain.aggregates.streams import InputStream, Signal

__all__ = [
    "Account",
    "Aggregate",
    "CardNotPending",
    "CardStatus",
    "Cause",
    "DomainError",
    "InputStream",
    "Order",
    "OrderStatus",
    "RiskGuard",
    "Signal",
    "TradeCard",
    "account_stream",
    "risk_stream",
]
