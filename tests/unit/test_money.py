"""Money: rounding to the paisa and onto NSE price ticks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import round_to_tick, tick_size, to_paise
from tests.unit.conftest import D

prices = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=4)


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        ("0.05", "0.01"),
        ("249.99", "0.01"),
        ("250", "0.05"),
        ("999.95", "0.05"),
        ("1000", "0.10"),
        ("4999.90", "0.10"),
        ("5000", "0.50"),
        ("9999.50", "0.50"),
        ("10000", "1.00"),
        ("19999", "1.00"),
        ("20000", "5.00"),
        ("125000", "5.00"),
    ],
)
def test_tick_size_when_price_is_in_a_band_then_nse_tick_for_that_band(
    price: str, tick: str
) -> None:
    assert tick_size(D(price)) == D(tick)


@pytest.mark.parametrize(
    ("amount", "paise"),
    [("0.005", "0.01"), ("0.0049", "0.00"), ("2.675", "2.68"), ("152.345", "152.35")],
)
def test_to_paise_when_amount_has_sub_paisa_then_rounds_half_up(amount: str, paise: str) -> None:
    assert to_paise(D(amount)) == D(paise)


@pytest.mark.parametrize(
    ("price", "mode", "expected"),
    [
        ("512.606175", "up", "512.65"),
        ("512.606175", "down", "512.60"),
        ("512.62", "nearest", "512.60"),
        ("512.625", "nearest", "512.65"),
        ("249.996", "up", "250.00"),
        ("1500.59825", "down", "1500.50"),
        ("1569.1535", "up", "1569.20"),
    ],
)
def test_round_to_tick_when_price_is_off_grid_then_lands_on_expected_tick(
    price: str, mode: str, expected: str
) -> None:
    assert round_to_tick(D(price), mode) == D(expected)


@given(price=prices, mode=st.sampled_from(["nearest", "down", "up"]))
def test_round_to_tick_when_rounding_any_price_then_result_is_on_the_exchange_grid(
    price: Decimal, mode: str
) -> None:
    rounded = round_to_tick(price, mode)

    assert rounded % tick_size(price) == 0
    # The exchange checks the tick of the price actually sent.
    assert rounded % tick_size(rounded) == 0


@given(price=prices)
def test_round_to_tick_when_rounding_down_and_up_then_they_bracket_the_price(
    price: Decimal,
) -> None:
    down = round_to_tick(price, "down")
    up = round_to_tick(price, "up")
    nearest = round_to_tick(price, "nearest")

    assert down <= price <= up
    assert up - down <= tick_size(price)
    assert abs(nearest - price) <= tick_size(price) / 2


@given(steps=st.integers(min_value=1, max_value=24_999), mode=st.sampled_from(["down", "up"]))
def test_round_to_tick_when_price_is_already_on_tick_then_unchanged(steps: int, mode: str) -> None:
    price = D("0.01") * steps

    assert round_to_tick(price, mode) == price
