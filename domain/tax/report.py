"""A financial year's capital gains for one account: each sale's lots classified short or
long term by the dated rule table, grandfathered where acquired by 31 Jan 2018, the yearly
long-term exemption applied, and intraday days as speculative income."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.money import ZERO, to_paise
from domain.tax.intraday import IntradayResult
from domain.tax.ledger import Ledger
from domain.tax.lots import LotMatch, Method, Sale
from domain.tax.rules import (
    GRANDFATHER_DATE,
    RULES,
    FinancialYear,
    GainsRule,
    is_long_term,
    rule_on,
)

SHORT, LONG = "short", "long"


@dataclass(frozen=True)
class LotLine:
    """The part of one lot a sale consumed: cost is what was paid (with charges, without
    STT); `cost_basis` is the cost the law allows, grandfathered where it applies."""

    lot_key: str
    acquired: date
    quantity: int
    cost: Decimal
    cost_basis: Decimal
    grandfathered: bool
    sale_value: Decimal
    expenses: Decimal
    days_held: int
    term: str
    rate: Decimal

    @property
    def gain(self) -> Decimal:
        return self.sale_value - self.expenses - self.cost_basis


@dataclass(frozen=True)
class SaleLine:
    """A sale with its lots classified; its `unmatched` shares carry no computed gain."""

    sale: Sale
    lots: tuple[LotLine, ...]

    @property
    def gain(self) -> Decimal:
        return sum((line.gain for line in self.lots), ZERO)


@dataclass(frozen=True)
class TaxReport:
    account_id: str
    fy: FinancialYear
    method: Method
    sales: tuple[SaleLine, ...]
    intraday: tuple[IntradayResult, ...]
    short_term_gains: Decimal  # net of short-term losses
    long_term_gains: Decimal  # net of long-term losses
    long_term_exemption: Decimal  # the year's limit
    long_term_exempt: Decimal  # the part of the limit used
    speculative_income: Decimal
    stt_paid: Decimal  # on the year's sales and intraday days: never part of a gain's cost
    notes: tuple[str, ...]

    @property
    def long_term_taxable(self) -> Decimal:
        return max(self.long_term_gains - self.long_term_exempt, ZERO)


def tax_report(ledger: Ledger, fy: FinancialYear, fmv: Mapping[str, Decimal] | None = None,
               rules: tuple[GainsRule, ...] = RULES) -> TaxReport:
    """The year's report from a ledger; `fmv` is each symbol's 31 Jan 2018 highest price."""
    fmv = fmv or {}
    notes: list[str] = [f"method: {ledger.method.label}"]
    sales = tuple(_sale_line(s, fmv, rules, notes)
                  for s in sorted(ledger.sales, key=lambda s: s.sold) if s.sold in fy)
    intraday = tuple(sorted((i for i in ledger.intraday if i.day in fy), key=lambda i: i.day))
    lines = [line for s in sales for line in s.lots]
    short = sum((x.gain for x in lines if x.term == SHORT), ZERO)
    long = sum((x.gain for x in lines if x.term == LONG), ZERO)
    limit = to_paise(rule_on(fy.end, rules).long_term_exemption)
    exempt = min(limit, max(long, ZERO))
    for s in (line.sale for line in sales):
        if s.unmatched:
            notes.append(f"{s.key}: {s.unmatched} {s.symbol} sold on {s.sold} with no lot on "
                         "record (bought before the imported tradebooks?): no gain computed")
    stt = sum((line.sale.stt for line in sales), ZERO) + sum((i.stt for i in intraday), ZERO)
    return TaxReport(
        account_id=ledger.account_id, fy=fy, method=ledger.method, sales=sales,
        intraday=intraday, short_term_gains=to_paise(short), long_term_gains=to_paise(long),
        long_term_exemption=limit, long_term_exempt=to_paise(exempt),
        speculative_income=to_paise(sum((i.income for i in intraday), ZERO)),
        stt_paid=to_paise(stt),
        notes=tuple(dict.fromkeys(notes)))


def _sale_line(sale: Sale, fmv: Mapping[str, Decimal], rules: tuple[GainsRule, ...],
               notes: list[str]) -> SaleLine:
    rule = rule_on(sale.sold, rules)
    lots = tuple(_lot_line(m, sale.sold, rule, fmv.get(sale.symbol), notes)
                 for m in sale.matches)
    return SaleLine(sale, lots)


def _lot_line(match: LotMatch, sold: date, rule: GainsRule, fmv: Decimal | None,
              notes: list[str]) -> LotLine:
    lot = match.lot
    long = is_long_term(lot.acquired, sold, rule)
    basis, grandfathered = lot.cost, False
    if long and lot.acquired <= GRANDFATHER_DATE:
        if fmv is None:
            notes.append(f"{lot.symbol}: acquired by {GRANDFATHER_DATE} but no 31 Jan 2018 "
                         "price given (--fmv): actual cost used")
        else:
            # FMV per share of the day, per share held now (splits since multiply shares).
            fmv_value = to_paise(fmv * lot.quantity * lot.factor.denominator
                                 / lot.factor.numerator)
            basis = max(lot.cost, min(fmv_value, match.sale_value))
            grandfathered = basis != lot.cost
    return LotLine(
        lot_key=lot.key, acquired=lot.acquired, quantity=lot.quantity, cost=lot.cost,
        cost_basis=basis, grandfathered=grandfathered, sale_value=match.sale_value,
        expenses=match.expenses, days_held=(sold - lot.acquired).days,
        term=LONG if long else SHORT,
        rate=rule.long_term_rate if long else rule.short_term_rate)
