"""The tax report as the API and `desk tax report --json` give it: one model, one presenter."""

from __future__ import annotations

from datetime import date

from api.schemas import Amount, Resource
from domain.tax import LotLine, SaleLine, TaxReport
from domain.tax.intraday import IntradayResult


class TaxLot(Resource):
    lot: str
    acquired: date
    quantity: int
    cost: Amount
    cost_basis: Amount
    grandfathered: bool
    sale_value: Amount
    expenses: Amount
    gain: Amount
    days_held: int
    term: str
    rate: Amount


class TaxSale(Resource):
    sale: str
    symbol: str
    sold: date
    quantity: int
    sale_value: Amount
    expenses: Amount
    stt: Amount
    gain: Amount
    unmatched_quantity: int
    lots: list[TaxLot]


class IntradayDay(Resource):
    symbol: str
    day: date
    quantity: int
    buy_value: Amount
    sell_value: Amount
    charges: Amount
    stt: Amount
    income: Amount


class TaxReportResource(Resource):
    account_id: str
    fy: str
    method: str
    method_label: str
    legal_for_demat: bool
    short_term_gains: Amount
    long_term_gains: Amount
    long_term_exemption: Amount
    long_term_exempt: Amount
    long_term_taxable: Amount
    speculative_income: Amount
    stt_paid: Amount
    sales: list[TaxSale]
    intraday: list[IntradayDay]
    notes: list[str]


def tax_report_resource(r: TaxReport) -> TaxReportResource:
    """The report with every sale's lots, money as decimal strings."""
    return TaxReportResource(
        account_id=r.account_id, fy=r.fy.label, method=r.method.value,
        method_label=r.method.label, legal_for_demat=r.method.legal_for_demat,
        short_term_gains=r.short_term_gains, long_term_gains=r.long_term_gains,
        long_term_exemption=r.long_term_exemption, long_term_exempt=r.long_term_exempt,
        long_term_taxable=r.long_term_taxable, speculative_income=r.speculative_income,
        stt_paid=r.stt_paid, sales=[_sale(s) for s in r.sales],
        intraday=[_intraday(i) for i in r.intraday], notes=list(r.notes))


def _sale(line: SaleLine) -> TaxSale:
    s = line.sale
    return TaxSale(sale=s.key, symbol=s.symbol, sold=s.sold, quantity=s.quantity,
                   sale_value=s.sale_value, expenses=s.expenses, stt=s.stt, gain=line.gain,
                   unmatched_quantity=s.unmatched, lots=[_lot(x) for x in line.lots])


def _lot(x: LotLine) -> TaxLot:
    return TaxLot(lot=x.lot_key, acquired=x.acquired, quantity=x.quantity, cost=x.cost,
                  cost_basis=x.cost_basis, grandfathered=x.grandfathered,
                  sale_value=x.sale_value, expenses=x.expenses, gain=x.gain,
                  days_held=x.days_held, term=x.term, rate=x.rate)


def _intraday(i: IntradayResult) -> IntradayDay:
    return IntradayDay(symbol=i.symbol, day=i.day, quantity=i.quantity, buy_value=i.buy_value,
                       sell_value=i.sell_value, charges=i.charges, stt=i.stt, income=i.income)
