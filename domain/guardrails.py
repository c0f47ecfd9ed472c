"""Guardrails checked when a card is proposed and again when it is approved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.session import entries_open, ist
from domain.values import GuardrailResult, Mandate

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class CardFacts:
    """What the guardrails look at, gathered by the caller from the read model."""

    quantity: int
    reference_price: Decimal
    reserve: Decimal
    equity: Decimal
    available: Decimal
    mandate: Mandate
    halted: bool
    now: datetime


def check(facts: CardFacts) -> tuple[GuardrailResult, ...]:
    """Every guardrail's verdict, with the numbers behind it."""
    notional = facts.reference_price * facts.quantity
    cap = facts.equity * facts.mandate.max_position_pct / HUNDRED
    buffer = facts.equity * facts.mandate.cash_buffer_pct / HUNDRED
    deployable = facts.available - buffer
    return (
        GuardrailResult(
            name="kill_switch",
            passed=not facts.halted,
            detail="account and desk trading" if not facts.halted else "kill switch tripped",
        ),
        GuardrailResult(
            name="position_size",
            passed=notional <= cap,
            detail=f"notional {notional:.2f} vs cap {cap:.2f} "
            f"({facts.mandate.max_position_pct}% of equity)",
        ),
        GuardrailResult(
            name="cash",
            passed=facts.reserve <= deployable,
            detail=f"reserve {facts.reserve:.2f} vs deployable {deployable:.2f} "
            f"(available {facts.available:.2f} - buffer {buffer:.2f})",
        ),
        GuardrailResult(
            name="market_hours",
            passed=entries_open(facts.now),
            detail=f"{ist(facts.now):%H:%M:%S} IST vs entries 09:15-15:15",
        ),
    )
