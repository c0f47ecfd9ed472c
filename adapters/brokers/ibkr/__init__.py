"""IBKR Client Portal Web API (through the gateway) as a desk venue."""

from adapters.brokers.ibkr.config import IbkrConfig
from adapters.brokers.ibkr.execution import IbkrVenue

__all__ = ["IbkrConfig", "IbkrVenue"]
