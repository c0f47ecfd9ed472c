"""Guardrails checked when a card is proposed and again when it is approved.

Each returns a verdict with the numbers behind it. The first four always apply; the six
of the strategy book (liquidity, single-name and sector exposure, event window, regime,
catalyst freshness) apply when the caller passes the book's `GuardrailPolicy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from domain.calendar import WEEKDAYS, TradingCalendar
from domain.features import Regime
from domain.money import HUNDRED, ZERO
from domain.session import ist
from domain.strategy.book import GuardrailPolicy
from domain.values import GuardrailResult, Mandate


@dataclass(frozen=True)
class Context:
    """The market and book around a card, for the strategy book's guardrails."""

    policy: GuardrailPolicy
    symbol: str
    sector: str
    held_notional: Decimal  # this symbol already held by the account, marked
    sector_notional: Decimal  # the account's open exposure in the sector, marked
    adv_value: Decimal | None
    regime: Regime | None
    bars: int  # bars seen for the symbol (the regime needs a warm-up)
    regimes: tuple[Regime, ...]  # the regimes the strategy trades
    results_due: str | None  # the pending results meeting, when one is known
    blackout_exempt: bool  # the results playbook trades the results themselves
    catalyst_at: datetime | None
    max_catalyst_age: timedelta


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
    context: Context | None = None
    calendar: TradingCalendar = WEEKDAYS  # holidays have no session


def refusal(checks: tuple[GuardrailResult, ...]) -> str:
    """Why the card is blocked, naming each failing guardrail ("" when all passed)."""
    failed = "; ".join(f"{g.name}: {g.detail}" for g in checks if not g.passed)
    return f"guardrail: {failed}" if failed else ""


def check(facts: CardFacts) -> tuple[GuardrailResult, ...]:
    """Every guardrail's verdict, with the numbers behind it."""
    notional = facts.reference_price * facts.quantity
    cap = facts.equity * facts.mandate.max_position_pct / HUNDRED
    results = (
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
            passed=facts.reserve <= facts.available,
            detail=f"reserve {facts.reserve:.2f} vs available {facts.available:.2f} "
            "(the cash buffer is held apart)",
        ),
        GuardrailResult(
            name="market_hours",
            passed=facts.calendar.entries_open(facts.now),
            detail=facts.calendar.why_closed(facts.now)
            or f"{ist(facts.now):%H:%M:%S} IST vs entries 09:15-15:15",
        ),
    )
    if facts.context is None:
        return results
    return results + _book_checks(facts, facts.context, notional, cap)


def _book_checks(
    facts: CardFacts, c: Context, notional: Decimal, cap: Decimal
) -> tuple[GuardrailResult, ...]:
    return (
        _liquidity(c, notional),
        GuardrailResult(
            name="exposure_single_name",
            passed=c.held_notional + notional <= cap,
            detail=f"{c.symbol} held {c.held_notional:.2f} + {notional:.2f} vs cap {cap:.2f}",
        ),
        _sector(facts, c, notional),
        _event_window(c),
        _regime(c),
        _freshness(c, facts.now),
    )


def _liquidity(c: Context, notional: Decimal) -> GuardrailResult:
    limit = c.policy.max_adv_participation_pct
    if c.adv_value is None or c.adv_value <= ZERO:
        return GuardrailResult(name="liquidity", passed=False,
                               detail=f"no average daily value known for {c.symbol}")
    share = notional / c.adv_value * HUNDRED
    return GuardrailResult(
        name="liquidity", passed=share <= limit,
        detail=f"notional {notional:.2f} is {share:.4f}% of ADV {c.adv_value:.0f} "
        f"vs max {limit}%",
    )


def _sector(facts: CardFacts, c: Context, notional: Decimal) -> GuardrailResult:
    limit = facts.equity * c.policy.max_sector_pct / HUNDRED
    total = c.sector_notional + notional
    return GuardrailResult(
        name="exposure_sector", passed=total <= limit,
        detail=f"{c.sector or 'unknown sector'} {c.sector_notional:.2f} + {notional:.2f} = "
        f"{total:.2f} vs {c.policy.max_sector_pct}% of equity {limit:.2f}",
    )


def _event_window(c: Context) -> GuardrailResult:
    if not c.policy.results_blackout or c.results_due is None:
        return GuardrailResult(name="event_window", passed=True,
                               detail=f"no results meeting pending for {c.symbol}")
    if c.blackout_exempt:
        return GuardrailResult(name="event_window", passed=True,
                               detail=f"results pending ({c.results_due}); this playbook "
                               "trades the results themselves")
    return GuardrailResult(name="event_window", passed=False,
                           detail=f"results blackout: {c.results_due}")


def _regime(c: Context) -> GuardrailResult:
    traded = ", ".join(r.value for r in c.regimes)
    if c.regime is None:
        needed = c.policy.min_bars_for_regime
        return GuardrailResult(name="regime", passed=True,
                               detail=f"regime unknown ({c.bars} of {needed} bars); "
                               f"strategy trades {traded}")
    return GuardrailResult(name="regime", passed=c.regime in c.regimes,
                           detail=f"{c.symbol} is {c.regime.value}; strategy trades {traded}")


def _freshness(c: Context, now: datetime) -> GuardrailResult:
    if c.catalyst_at is None:
        return GuardrailResult(name="catalyst_freshness", passed=False,
                               detail="no catalyst time recorded")
    age = now - c.catalyst_at
    return GuardrailResult(
        name="catalyst_freshness", passed=age <= c.max_catalyst_age,
        detail=f"catalyst {age.total_seconds() / 60:.1f} min old vs max "
        f"{c.max_catalyst_age.total_seconds() / 60:.0f} min",
    )
