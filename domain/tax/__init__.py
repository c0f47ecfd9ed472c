"""Tax lots and capital gains for Indian listed equity: pure, from trades and corporate
actions to a financial year's report. FIFO is the legal method for demat holdings (s.45(2A));
LIFO and specific identification are analysis views."""

from domain.tax.ledger import Ledger, compute_ledger
from domain.tax.lots import Lot, LotMatch, Method, Sale
from domain.tax.report import LotLine, SaleLine, TaxReport, tax_report
from domain.tax.rules import (
    GRANDFATHER_DATE,
    RULES,
    FinancialYear,
    GainsRule,
    financial_year,
    rule_on,
)
from domain.tax.trades import ActionKind, CorporateAction, TaxTrade

__all__ = [
    "GRANDFATHER_DATE",
    "RULES",
    "ActionKind",
    "CorporateAction",
    "FinancialYear",
    "GainsRule",
    "Ledger",
    "Lot",
    "LotLine",
    "LotMatch",
    "Method",
    "Sale",
    "SaleLine",
    "TaxReport",
    "TaxTrade",
    "compute_ledger",
    "financial_year",
    "rule_on",
    "tax_report",
]
