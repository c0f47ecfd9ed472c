"""Upstox (NSE): the desk's brackets as MULTIPLE GTTs over the v2/v3 REST API, updates from
the portfolio stream, the daily instrument master, UDAPI errors, OAuth day tokens.

`UpstoxVenue` is the `streams.ports.Venue`; `UpstoxConfig` points it at a host (the real
one by default, or the local fake in `devtools/venues/upstox.py`).
"""

from adapters.brokers.upstox.config import UpstoxApp, UpstoxConfig, load_app
from adapters.brokers.upstox.execution import UpstoxVenue

__all__ = ["UpstoxApp", "UpstoxConfig", "UpstoxVenue", "load_app"]
