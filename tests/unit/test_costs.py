"""Charges on NSE equity fills, checked to the paisa against hand-worked contract notes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.costs import (
    RATE_TABLE,
    Product,
    fill_costs,
    product_for,
    rates_on,
    round_trip_estimate,
)
from domain.values import CostBreakdown, Horizon, Side
from tests.unit.conftest import D

TRADE_DAY = date(2025, 1, 6)

sides = st.sampled_from(list(Side))
products = st.sampled_from(list(Product))
quantities = st.integers(min_value=1, max_value=100_000)
prices = st.decimals(min_value=D("0.05"), max_value=D("50000"), places=2)


def as_paise(costs: CostBreakdown) -> dict[str, Decimal]:
    return {name: getattr(costs, name) for name in CostBreakdown.model_fields}


def test_fill_costs_when_delivery_buy_then_every_charge_matches_the_contract_note() -> None:
    # 100 x 1523.45: turnover 152,345.00
    #   brokerage  0 (delivery)
    #   STT        0.1%      = 152.345     -> 152.35
    #   exchange   0.00297%  = 4.5246465   -> 4.52
    #   SEBI       10/crore  = 0.152345    -> 0.15
    #   IPFT       10/crore  = 0.152345    -> 0.15
    #   stamp      0.015%    = 22.85175    -> 22.85
    #   GST        18% x (0 + 4.52 + 0.15) = 0.8406 -> 0.84
    #   total      180.86
    costs = fill_costs(Side.BUY, 100, D("1523.45"), Product.DELIVERY, TRADE_DAY)

    assert as_paise(costs) == {
        "brokerage": D("0.00"), "stt": D("152.35"), "exchange_txn": D("4.52"),
        "sebi_fee": D("0.15"), "ipft": D("0.15"), "stamp_duty": D("22.85"), "gst": D("0.84"),
    }
    assert costs.total == D("180.86")


def test_fill_costs_when_delivery_sell_then_stt_but_no_stamp_duty() -> None:
    # 100 x 1570.10: turnover 157,010.00
    #   STT 0.1% = 157.01; exchange 4.663197 -> 4.66; SEBI 0.15701 -> 0.16; IPFT -> 0.16
    #   stamp 0 (sell); GST 18% x (0 + 4.66 + 0.16) = 0.8676 -> 0.87; total 162.86
    costs = fill_costs(Side.SELL, 100, D("1570.10"), Product.DELIVERY, TRADE_DAY)

    assert as_paise(costs) == {
        "brokerage": D("0.00"), "stt": D("157.01"), "exchange_txn": D("4.66"),
        "sebi_fee": D("0.16"), "ipft": D("0.16"), "stamp_duty": D("0.00"), "gst": D("0.87"),
    }
    assert costs.total == D("162.86")


def test_fill_costs_when_intraday_buy_over_cap_then_brokerage_is_twenty_rupees() -> None:
    # 40 x 2450.55: turnover 98,022.00
    #   brokerage min(0.03% = 29.4066, 20) = 20.00; STT 0 (intraday buy)
    #   exchange 2.9112534 -> 2.91; SEBI 0.098022 -> 0.10; IPFT -> 0.10
    #   stamp 0.003% = 2.94066 -> 2.94; GST 18% x (20 + 2.91 + 0.10) = 4.1418 -> 4.14
    #   total 30.19
    costs = fill_costs(Side.BUY, 40, D("2450.55"), Product.INTRADAY, TRADE_DAY)

    assert as_paise(costs) == {
        "brokerage": D("20.00"), "stt": D("0.00"), "exchange_txn": D("2.91"),
        "sebi_fee": D("0.10"), "ipft": D("0.10"), "stamp_duty": D("2.94"), "gst": D("4.14"),
    }
    assert costs.total == D("30.19")


def test_fill_costs_when_intraday_sell_under_cap_then_brokerage_is_percentage() -> None:
    # 10 x 512.35: turnover 5,123.50
    #   brokerage 0.03% = 1.53705 -> 1.54; STT 0.025% = 1.280875 -> 1.28
    #   exchange 0.15216795 -> 0.15; SEBI 0.0051235 -> 0.01; IPFT -> 0.01; stamp 0 (sell)
    #   GST 18% x (1.54 + 0.15 + 0.01) = 0.306 -> 0.31; total 3.30
    costs = fill_costs(Side.SELL, 10, D("512.35"), Product.INTRADAY, TRADE_DAY)

    assert as_paise(costs) == {
        "brokerage": D("1.54"), "stt": D("1.28"), "exchange_txn": D("0.15"),
        "sebi_fee": D("0.01"), "ipft": D("0.01"), "stamp_duty": D("0.00"), "gst": D("0.31"),
    }
    assert costs.total == D("3.30")


def test_round_trip_estimate_when_delivery_then_sum_of_buy_and_sell_notes() -> None:
    # The two delivery notes above: 180.86 + 162.86.
    estimate = round_trip_estimate(100, D("1523.45"), D("1570.10"), Product.DELIVERY, TRADE_DAY)

    assert estimate == D("343.72")


@given(side=sides, product=products, quantity=quantities, price=prices)
def test_fill_costs_when_any_fill_then_every_charge_is_non_negative_whole_paise(
    side: Side, product: Product, quantity: int, price: Decimal
) -> None:
    costs = fill_costs(side, quantity, price, product, TRADE_DAY)

    for name, amount in as_paise(costs).items():
        assert amount >= 0, name
        assert amount == amount.quantize(D("0.01")), name
    assert costs.total >= 0


@given(side=sides, quantity=quantities, price=prices)
def test_fill_costs_when_intraday_then_brokerage_never_exceeds_twenty_rupees(
    side: Side, quantity: int, price: Decimal
) -> None:
    costs = fill_costs(side, quantity, price, Product.INTRADAY, TRADE_DAY)

    assert costs.brokerage <= D("20")


@given(side=sides, quantity=quantities, price=prices)
def test_fill_costs_when_delivery_then_brokerage_is_zero(
    side: Side, quantity: int, price: Decimal
) -> None:
    assert fill_costs(side, quantity, price, Product.DELIVERY, TRADE_DAY).brokerage == 0


@given(product=products, quantity=quantities, price=prices)
def test_fill_costs_when_selling_then_no_stamp_duty(
    product: Product, quantity: int, price: Decimal
) -> None:
    assert fill_costs(Side.SELL, quantity, price, product, TRADE_DAY).stamp_duty == 0


@given(quantity=quantities, price=prices)
def test_fill_costs_when_intraday_buy_then_no_stt(quantity: int, price: Decimal) -> None:
    assert fill_costs(Side.BUY, quantity, price, Product.INTRADAY, TRADE_DAY).stt == 0


@given(
    side=sides, product=products, price=prices,
    smaller=quantities, extra=st.integers(min_value=0, max_value=100_000),
)
def test_fill_costs_when_turnover_grows_then_no_charge_shrinks(
    side: Side, product: Product, price: Decimal, smaller: int, extra: int
) -> None:
    small = fill_costs(side, smaller, price, product, TRADE_DAY)
    large = fill_costs(side, smaller + extra, price, product, TRADE_DAY)

    for name, amount in as_paise(small).items():
        assert amount <= getattr(large, name), name
    assert small.total <= large.total


@given(side=sides, product=products, quantity=quantities, low=prices, rise=prices)
def test_fill_costs_when_price_rises_then_total_does_not_fall(
    side: Side, product: Product, quantity: int, low: Decimal, rise: Decimal
) -> None:
    cheaper = fill_costs(side, quantity, low, product, TRADE_DAY)
    dearer = fill_costs(side, quantity, low + rise, product, TRADE_DAY)

    assert cheaper.total <= dearer.total


def test_rates_on_when_day_is_before_the_table_then_raises() -> None:
    day_before = min(r.effective_from for r in RATE_TABLE) - timedelta(days=1)

    with pytest.raises(ValueError, match="no cost rates"):
        rates_on(day_before)


def test_fill_costs_when_day_is_before_the_table_then_raises() -> None:
    with pytest.raises(ValueError, match="no cost rates"):
        fill_costs(Side.BUY, 1, D("100"), Product.DELIVERY, date(2024, 9, 30))


def test_rates_on_when_day_is_first_effective_day_then_that_row_applies() -> None:
    rates = rates_on(date(2024, 10, 1))

    assert rates.effective_from == date(2024, 10, 1)
    assert rates.stt_delivery == D("0.001")


@pytest.mark.parametrize(
    ("horizon", "product"),
    [
        (Horizon.INTRADAY, Product.INTRADAY),
        (Horizon.SWING, Product.DELIVERY),
        (Horizon.POSITIONAL, Product.DELIVERY),
    ],
)
def test_product_for_when_mandate_horizon_given_then_mis_only_for_intraday(
    horizon: Horizon, product: Product
) -> None:
    assert product_for(horizon) is product
