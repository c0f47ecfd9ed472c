"""A local Kite Connect v3 fake: `KiteFake(...).start(host, port)`."""

from devtools.venues.zerodha.server import KiteFake

__all__ = ["KiteFake"]
