"""Capital gains worked by hand: partial sells across lots, the 12-month line, grandfathered
lots, a split, a bonus and intraday netting, each figure checked to the paisa."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from domain.session import IST
from domain.tax import (
    ActionKind,
    CorporateAction,
    Method,
    TaxTrade,
    compute_ledger,
    financial_year,
    tax_report,
)
from domain.values import Side
from tests.unit.conftest import D

FY_24 = financial_year("2024-25")
FY_25 = financial_year("2025-26")


def trade(key: str, side: Side, quantity: int, price: str, day: date, *, at: str = "10:00",
          charges: str = "0", stt: str = "0", symbol: str = "TCS") -> TaxTrade:
    when = datetime.combine(day, time.fromisoformat(at), IST)
    return TaxTrade(key, "acc-1", symbol, side, quantity, D(price), when, D(charges), D(stt))


def two_lots_then_a_sale() -> list[TaxTrade]:
    return [
        trade("b1", Side.BUY, 10, "100", date(2024, 1, 10), charges="5"),
        trade("b2", Side.BUY, 20, "110", date(2024, 3, 1)),
        trade("s1", Side.SELL, 15, "150", date(2025, 2, 1), charges="6", stt="2.25"),
    ]


def test_fifo_when_a_sale_spans_two_lots_then_oldest_whole_then_part_of_next() -> None:
    report = tax_report(compute_ledger("acc-1", two_lots_then_a_sale()), FY_24)

    (sale,) = report.sales
    first, second = sale.lots
    assert (first.lot_key, first.quantity, first.cost, first.term) == ("b1", 10, D("1005"), "long")
    assert (first.sale_value, first.expenses, first.gain) == (D("1500"), D("4.00"), D("491.00"))
    assert (second.lot_key, second.quantity, second.cost, second.term) == (
        "b2", 5, D("550.00"), "short")
    assert second.gain == D("198.00")
    assert (report.short_term_gains, report.long_term_gains) == (D("198.00"), D("491.00"))
    assert (report.long_term_exemption, report.long_term_exempt) == (D("125000"), D("491.00"))
    assert report.long_term_taxable == 0
    assert first.rate == D("0.125") and second.rate == D("0.20")


def test_fifo_when_part_of_a_lot_sold_then_the_rest_keeps_its_date_and_cost() -> None:
    ledger = compute_ledger("acc-1", two_lots_then_a_sale())

    (left,) = ledger.open_lots["TCS"]

    assert (left.key, left.quantity, left.cost, left.acquired) == (
        "b2", 15, D("1650.00"), date(2024, 3, 1))


def test_lifo_when_same_trades_then_youngest_lot_first_and_labelled_analysis_only() -> None:
    report = tax_report(compute_ledger("acc-1", two_lots_then_a_sale(), method=Method.LIFO),
                        FY_24)

    (line,) = report.sales[0].lots
    assert (line.lot_key, line.quantity, line.cost, line.gain) == (
        "b2", 15, D("1650.00"), D("594.00"))
    assert "analysis view only" in report.notes[0]


def test_specific_when_a_lot_is_named_then_it_is_sold_first_rest_fifo() -> None:
    trades = two_lots_then_a_sale()

    ledger = compute_ledger("acc-1", trades, method=Method.SPECIFIC, picks={"s1": ["b2"]})

    assert [(m.lot.key, m.lot.quantity) for m in ledger.sales[0].matches] == [("b2", 15)]


@pytest.mark.parametrize(("sold", "term", "days"), [
    (date(2025, 6, 15), "short", 365),  # twelve months exactly is not more than twelve
    (date(2025, 6, 16), "long", 366),
])
def test_report_when_sale_falls_either_side_of_twelve_months_then_term_follows(
    sold: date, term: str, days: int
) -> None:
    trades = [trade("b", Side.BUY, 10, "100", date(2024, 6, 15)),
              trade("s", Side.SELL, 10, "120", sold)]

    (line,) = tax_report(compute_ledger("acc-1", trades), FY_25).sales[0].lots

    assert (line.term, line.days_held, line.gain) == (term, days, D("200"))


@pytest.mark.parametrize(("price", "basis", "gain"), [
    ("1000", "80000.00", "20000.00"),  # FMV above cost, below the sale: FMV is the cost
    ("700", "70000.00", "0.00"),  # sale below FMV: cost rises only to the sale, no loss
    ("400", "50000", "-10000"),  # sale below actual cost: actual cost, a real loss
])
def test_report_when_lot_bought_before_february_2018_then_cost_is_grandfathered(
    price: str, basis: str, gain: str
) -> None:
    trades = [trade("b", Side.BUY, 100, "500", date(2017, 5, 1)),
              trade("s", Side.SELL, 100, price, date(2025, 5, 10))]

    report = tax_report(compute_ledger("acc-1", trades), FY_25, fmv={"TCS": D("800")})

    (line,) = report.sales[0].lots
    assert (line.cost_basis, line.gain, line.term) == (D(basis), D(gain), "long")
    assert report.long_term_gains == D(gain)


def test_report_when_grandfathered_lot_has_no_fmv_then_actual_cost_and_a_note() -> None:
    trades = [trade("b", Side.BUY, 100, "500", date(2017, 5, 1)),
              trade("s", Side.SELL, 100, "1000", date(2025, 5, 10))]

    report = tax_report(compute_ledger("acc-1", trades), FY_25)

    assert report.sales[0].lots[0].gain == D("50000")
    assert any("no 31 Jan 2018 price" in n for n in report.notes)


def test_split_when_shares_split_then_quantity_multiplies_cost_and_date_stay() -> None:
    trades = [trade("b", Side.BUY, 10, "1000", date(2024, 1, 5)),
              trade("s", Side.SELL, 20, "250", date(2025, 2, 10))]
    split = CorporateAction("TCS", ActionKind.SPLIT, 5, 1, date(2024, 6, 1))

    ledger = compute_ledger("acc-1", trades, [split])
    (line,) = tax_report(ledger, FY_24).sales[0].lots

    assert (line.quantity, line.cost, line.acquired, line.term) == (
        20, D("4000.00"), date(2024, 1, 5), "long")
    assert line.gain == D("1000.00")
    assert (ledger.open_lots["TCS"][0].quantity, ledger.open_lots["TCS"][0].cost) == (
        30, D("6000.00"))


def test_split_when_lot_grandfathered_then_fmv_applies_per_share_after_split() -> None:
    trades = [trade("b", Side.BUY, 10, "500", date(2017, 5, 1)),
              trade("s", Side.SELL, 20, "600", date(2025, 5, 10))]
    split = CorporateAction("TCS", ActionKind.SPLIT, 2, 1, date(2020, 1, 1))

    report = tax_report(compute_ledger("acc-1", trades, [split]), FY_25, fmv={"TCS": D("800")})

    # FMV 800 a pre-split share is 400 a share now: 20 x 400 = 8000 above the 5000 paid.
    assert report.sales[0].lots[0].cost_basis == D("8000.00")


def test_bonus_when_allotted_then_a_nil_cost_lot_from_the_ex_date() -> None:
    trades = [trade("b", Side.BUY, 10, "100", date(2024, 1, 5)),
              trade("s", Side.SELL, 20, "80", date(2025, 3, 1))]
    bonus = CorporateAction("TCS", ActionKind.BONUS, 1, 1, date(2024, 9, 2))

    (own, free) = tax_report(compute_ledger("acc-1", trades, [bonus]), FY_24).sales[0].lots

    assert (own.quantity, own.cost, own.term, own.gain) == (10, D("1000"), "long", D("-200"))
    assert (free.quantity, free.cost, free.acquired, free.term, free.gain) == (
        10, D("0"), date(2024, 9, 2), "short", D("800"))


def test_intraday_when_bought_and_partly_sold_same_day_then_netted_rest_is_a_lot() -> None:
    day = date(2025, 5, 6)
    trades = [trade("b", Side.BUY, 100, "50", day, charges="10"),
              trade("s", Side.SELL, 60, "52", day, at="14:00", charges="6", stt="3.12")]

    ledger = compute_ledger("acc-1", trades)
    report = tax_report(ledger, FY_25)

    (netted,) = report.intraday
    assert (netted.quantity, netted.buy_value, netted.sell_value) == (60, D("3000.00"),
                                                                      D("3120"))
    assert report.speculative_income == D("104.88")  # 120 - 6 - 6 - 3.12
    assert report.sales == ()
    (lot,) = ledger.open_lots["TCS"]
    assert (lot.quantity, lot.cost, lot.acquired) == (40, D("2004.00"), day)


def test_intraday_when_holding_sold_and_bought_back_same_day_then_old_lot_untouched() -> None:
    trades = [trade("old", Side.BUY, 50, "40", date(2024, 1, 2)),
              trade("s", Side.SELL, 50, "60", date(2025, 5, 6)),
              trade("b", Side.BUY, 50, "59", date(2025, 5, 6), at="15:00")]

    ledger = compute_ledger("acc-1", trades)

    assert tax_report(ledger, FY_25).speculative_income == D("50")
    assert [(lot.key, lot.acquired) for lot in ledger.open_lots["TCS"]] == [
        ("old", date(2024, 1, 2))]


def test_report_when_sale_has_no_lot_then_unmatched_shares_named_not_taxed() -> None:
    trades = [trade("s", Side.SELL, 10, "100", date(2025, 5, 6))]

    report = tax_report(compute_ledger("acc-1", trades), FY_25)

    assert report.sales[0].sale.unmatched == 10 and report.short_term_gains == 0
    assert any("no lot on record" in n for n in report.notes)


def test_report_when_long_term_gains_exceed_the_exemption_then_only_the_limit_is_exempt() -> None:
    trades = [trade("b", Side.BUY, 1000, "100", date(2023, 4, 3)),
              trade("s", Side.SELL, 1000, "300", date(2025, 4, 7))]

    report = tax_report(compute_ledger("acc-1", trades), FY_25)

    assert (report.long_term_gains, report.long_term_exempt, report.long_term_taxable) == (
        D("200000"), D("125000"), D("75000"))


def test_report_when_sale_before_july_2024_then_old_rates_and_year_limit_is_new() -> None:
    trades = [trade("b", Side.BUY, 10, "100", date(2024, 1, 3)),
              trade("s", Side.SELL, 10, "120", date(2024, 5, 7))]

    report = tax_report(compute_ledger("acc-1", trades), FY_24)

    assert report.sales[0].lots[0].rate == D("0.15")
    assert report.long_term_exemption == D("125000")  # the limit for FY 2024-25 as a whole


@pytest.mark.parametrize("label", ["2025", "2025-27", "25-26", "2025/26"])
def test_financial_year_when_label_malformed_then_error_says_the_form(label: str) -> None:
    with pytest.raises(ValueError, match=r"2025-26|second year"):
        financial_year(label)


def test_financial_year_when_label_given_then_april_to_march() -> None:
    fy = financial_year("2025-26")

    assert (fy.start, fy.end, fy.label) == (date(2025, 4, 1), date(2026, 3, 31), "2025-26")
    assert date(2026, 3, 31) in fy and date(2026, 4, 1) not in fy


def test_report_when_money_has_paise_then_exact_decimals() -> None:
    trades = [trade("b", Side.BUY, 3, "10.01", date(2025, 4, 2), charges="0.01"),
              trade("s", Side.SELL, 1, "11.00", date(2025, 4, 3))]

    ledger = compute_ledger("acc-1", trades)
    (line,) = tax_report(ledger, FY_25).sales[0].lots

    assert line.cost == D("10.01")  # 30.04 / 3 to the paisa
    assert ledger.open_lots["TCS"][0].cost == D("20.03")
    assert isinstance(line.gain, Decimal) and line.gain == D("0.99")
