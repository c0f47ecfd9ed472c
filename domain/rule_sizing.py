"""Sizing a card by the strategy's own rule (`sizing: {fixed_quantity: 10}` or
`{pct_equity: 25}`) instead of the allocation's risk budget.

The quantity is the strategy's; the mandate's position cap, the cash and the other
guardrails still judge the card afterwards, and block it with their reason.
"""

from __future__ import annotations

from decimal import Decimal

from domain.sizing import Sizing, SizingRefused, reserve_for
from domain.strategy.book import Sizing as StrategySizing
from domain.strategy.book import SizingRule

_WORDS: dict[SizingRule, str] = {
    SizingRule.FIXED_QUANTITY: "fixed quantity {amount} shares",
    SizingRule.PCT_EQUITY: "{amount}% of equity {equity:.2f} at reference {reference}",
}


def size_by_rule(
    rule: StrategySizing, equity: Decimal, reference: Decimal, lot: int = 1
) -> Sizing | SizingRefused:
    """The strategy's quantity at `reference`, rounded down to whole lots."""
    quantity = rule.quantity(equity, reference)
    quantity -= quantity % lot
    words = _WORDS[rule.rule].format(amount=rule.amount, equity=equity, reference=reference)
    explanation = f"strategy sizing: {words} -> {quantity}" + (
        f" (lots of {lot})" if lot > 1 else ""
    )
    if quantity < 1:
        return SizingRefused(f"size rounds to zero shares ({explanation})")
    return Sizing(quantity, reserve_for(reference, quantity), explanation)
