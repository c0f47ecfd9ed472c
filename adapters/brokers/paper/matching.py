"""How the paper broker fills a bracket from bars (pure; the rule is printed on each fill).

- Entry (market buy): the open of the first bar starting at or after placement, plus
  5 bps slippage, rounded up to the tick.
- Stop (sell stop): triggers when a bar's low reaches it; fills at the lower of the stop
  and the bar's open (a gap through the stop fills at the open), less 5 bps, tick down.
- Target (sell limit): triggers when a bar's high reaches it; fills at the higher of the
  target and the bar's open. A bar that reaches both fills the stop (the cautious reading).
- Square-off (intraday): at the square-off bar's open less 5 bps, tick down.
- Operator exit (close by hand): on the first bar the desk sees after the request, at its
  open when the bar starts at or after the request, else at its close (the bar was under
  way: its close is the first price after the request); less 5 bps, tick down. It comes
  before the stop and target of that bar, whose touches happen after the exit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.events import BarClosed
from domain.money import round_to_tick
from domain.values import Leg

SLIPPAGE = Decimal("0.0005")


@dataclass(frozen=True)
class FillDecision:
    leg: Leg
    price: Decimal
    rule: str


def entry_fill(placed_at: datetime, bar: BarClosed) -> FillDecision | None:
    if bar.start < placed_at:
        return None
    price = round_to_tick(bar.open * (1 + SLIPPAGE), "up")
    return FillDecision(
        Leg.ENTRY, price, f"market buy at bar {bar.start.isoformat()} open {bar.open} + 5 bps"
    )


def exit_fill(
    stop: Decimal | None, target: Decimal | None, bar: BarClosed, square_off: bool
) -> FillDecision | None:
    """The exit this bar fills, if any (a plain entry, without stop and target, leaves only
    by the square-off or an operator)."""
    if stop is not None and bar.low <= stop:
        base = min(stop, bar.open)
        price = round_to_tick(base * (1 - SLIPPAGE), "down")
        return FillDecision(
            Leg.STOP, price, f"stop {stop} touched (low {bar.low}); fill {base} - 5 bps"
        )
    if target is not None and bar.high >= target:
        price = max(target, bar.open)
        return FillDecision(Leg.TARGET, price, f"target {target} reached (high {bar.high})")
    if square_off:
        price = round_to_tick(bar.open * (1 - SLIPPAGE), "down")
        return FillDecision(
            Leg.SQUARE_OFF, price, f"intraday square-off at bar open {bar.open} - 5 bps"
        )
    return None


def operator_exit_fill(requested_at: datetime, bar: BarClosed) -> FillDecision:
    """Close by hand at the first price after the request, less 5 bps."""
    started_after = bar.start >= requested_at
    base, at = (bar.open, "open") if started_after else (bar.close, "close")
    price = round_to_tick(base * (1 - SLIPPAGE), "down")
    return FillDecision(
        Leg.OPERATOR, price,
        f"operator exit at bar {bar.start.isoformat()} {at} {base} - 5 bps",
    )
