"""Zerodha Kite Connect v3 behind the desk's `Venue` port: regular orders, the bracket as an
entry then a two-leg GTT once it fills, order updates from the ticker websocket."""

from adapters.brokers.zerodha.config import KiteConfig
from adapters.brokers.zerodha.execution import ZerodhaVenue

__all__ = ["KiteConfig", "ZerodhaVenue"]
