"""Money and price arithmetic: Decimal rupees, exact to the paisa, and NSE tick sizes."""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

PAISA = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal(100)  # percentages are stored as 0-100


def finite(value: Decimal) -> Decimal:
    """Validate that a Decimal is a number (not NaN or infinity)."""
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


def _finite_in_float_range(value: Decimal) -> Decimal:
    """`finite`, and refused beyond a float's range, as pydantic's own check after it was."""
    if math.isinf(float(finite(value))):
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    return value


# The constraints come before the Python check: so pydantic checks them in its core, not in
# Python after it (the same errors, half the cost of decoding a price from a stored event).
Money = Annotated[Decimal, Field(allow_inf_nan=False), AfterValidator(_finite_in_float_range)]
PositiveMoney = Annotated[Money, Field(gt=0)]
Price = Annotated[
    Decimal, Field(gt=0, allow_inf_nan=False), AfterValidator(_finite_in_float_range)
]

# NSE equity tick size by price band (from 15 Apr 2025). Upper bound exclusive.
_TICK_BANDS: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal("250"), Decimal("0.01")),
    (Decimal("1000"), Decimal("0.05")),
    (Decimal("5000"), Decimal("0.10")),
    (Decimal("10000"), Decimal("0.50")),
    (Decimal("20000"), Decimal("1.00")),
)
_TOP_TICK = Decimal("5.00")


def to_paise(amount: Decimal) -> Decimal:
    """Round a rupee amount to the paisa, half up (how contract notes round charges)."""
    return amount.quantize(PAISA, rounding=ROUND_HALF_UP)


def tick_size(price: Decimal) -> Decimal:
    """The NSE tick for an equity trading at `price`."""
    for upper, tick in _TICK_BANDS:
        if price < upper:
            return tick
    return _TOP_TICK


def round_to_tick(price: Decimal, mode: str = "nearest") -> Decimal:
    """Round `price` onto its tick grid: 'nearest', 'down' or 'up'."""
    tick = tick_size(price)
    rounding = {"nearest": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}[mode]
    steps = (price / tick).quantize(Decimal("1"), rounding=rounding)
    return (steps * tick).quantize(PAISA)
