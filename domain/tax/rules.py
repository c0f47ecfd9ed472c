"""The dated rule table for gains on listed equity (STT paid): rates, the yearly long-term
exemption and the holding period, by the date they apply from, not by section number
(the Income-tax Act, 2025 renumbers them from 1 Apr 2026 without changing them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class GainsRule:
    """The rule for transfers on or after `effective_from`."""

    effective_from: date
    short_term_rate: Decimal  # fraction
    long_term_rate: Decimal
    long_term_exemption: Decimal  # per financial year, on net long-term gains
    long_term_after_months: int = 12  # held *more than* this is long-term


RULES: tuple[GainsRule, ...] = (
    # Finance Act 2018: long-term gains on listed equity taxed again from 1 Apr 2018.
    GainsRule(date(2018, 4, 1), Decimal("0.15"), Decimal("0.10"), Decimal("100000")),
    # Finance (No. 2) Act 2024: transfers on or after 23 Jul 2024.
    GainsRule(date(2024, 7, 23), Decimal("0.20"), Decimal("0.125"), Decimal("125000")),
)

# Equity acquired on or before this day has its cost grandfathered at the day's highest
# quoted price (s.55(2)(ac)), so gains accrued before the 2018 tax are not taxed.
GRANDFATHER_DATE = date(2018, 1, 31)


def rule_on(day: date, rules: tuple[GainsRule, ...] = RULES) -> GainsRule:
    """The rule in force for a transfer on `day`."""
    in_force = [r for r in rules if r.effective_from <= day]
    if not in_force:
        raise ValueError(f"no capital-gains rule for a sale on {day} (the table starts on "
                         f"{min(r.effective_from for r in rules)})")
    return max(in_force, key=lambda r: r.effective_from)


def months_after(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    year, month = divmod(day.month - 1 + months, 12)
    target_year, target_month = day.year + year, month + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(target_year, target_month, d)
        except ValueError:
            continue
    raise AssertionError("every month has 28 days")


def is_long_term(acquired: date, sold: date, rule: GainsRule) -> bool:
    """Held for more than the rule's months: sold after the anniversary, not on it."""
    return sold > months_after(acquired, rule.long_term_after_months)


@dataclass(frozen=True)
class FinancialYear:
    """An Indian financial (tax) year, 1 Apr to 31 Mar, labelled `2025-26`."""

    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start.year}-{self.end.year % 100:02d}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def financial_year(label: str) -> FinancialYear:
    """`2025-26` -> 1 Apr 2025 .. 31 Mar 2026; ValueError says what is wrong."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", label.strip())
    if not match:
        raise ValueError(f"financial year {label!r} is not like 2025-26")
    first = int(match.group(1))
    if int(match.group(2)) != (first + 1) % 100:
        raise ValueError(f"financial year {label!r}: the second year must follow the first")
    return FinancialYear(date(first, 4, 1), date(first + 1, 3, 31))


def fy_of(day: date) -> FinancialYear:
    """The financial year `day` falls in."""
    first = day.year if day.month >= 4 else day.year - 1
    return FinancialYear(date(first, 4, 1), date(first + 1, 3, 31))
