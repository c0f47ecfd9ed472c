"""How report pages show figures: rupees in Indian grouping to the paisa, percentages,
and instants in IST (the desk stores UTC; people on the desk read IST)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from domain.session import ist

_PAISA = Decimal("0.01")


def rupees(amount: Decimal | None) -> str:
    """₹12,34,567.89 (Indian grouping, always to the paisa); '' for None."""
    if amount is None:
        return ""
    value = amount.quantize(_PAISA, rounding=ROUND_HALF_UP)
    whole, _, paise = f"{abs(value):.2f}".partition(".")
    head, tail = whole[:-3], whole[-3:]
    groups = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
    return ("-" if value < 0 else "") + "₹" + ",".join([*groups, tail]) + "." + paise


def percent(value: Decimal | None, places: int = 2) -> str:
    """A 0-100 percentage to `places` decimals; 'n/a' for None."""
    return "n/a" if value is None else f"{value:.{places}f}%"


def ist_time(at: datetime | None, with_date: bool = False) -> str:
    """An instant as IST wall time (HH:MM, or YYYY-MM-DD HH:MM); '' for None."""
    if at is None:
        return ""
    return f"{ist(at):%Y-%m-%d %H:%M} IST" if with_date else f"{ist(at):%H:%M}"
