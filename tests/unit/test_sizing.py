"""Sizing a long: the least of risk budget, position cap and deployable cash."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from domain.sizing import RiskModel, Sizing, SizingRefused, size_long
from domain.values import Mandate
from tests.unit.conftest import D, mandate

HUNDRED = D("100")
HEADROOM = D("1.005")


@st.composite
def sizing_cases(draw: st.DrawFn) -> tuple[Mandate, Decimal, Decimal, Decimal, Decimal]:
    """A mandate, equity, available cash, reference and a stop below it."""
    terms = mandate(
        risk_per_trade_pct=draw(st.decimals(D("0.1"), D("10"), places=2)),
        max_position_pct=draw(st.decimals(D("1"), D("100"), places=2)),
        cash_buffer_pct=draw(st.decimals(D("0"), D("50"), places=2)),
    )
    equity = draw(st.decimals(D("1000"), D("100000000"), places=2))
    available = draw(st.decimals(D("0"), equity, places=2))
    reference = draw(st.decimals(D("1"), D("50000"), places=2))
    stop = reference - draw(st.decimals(D("0.01"), reference - D("0.01"), places=2))
    return terms, equity, available, reference, stop


def bounds(terms: Mandate, equity: Decimal, available: Decimal) -> tuple[Decimal, ...]:
    """Risk budget, position cap and cash to deploy, worked out independently."""
    risk_budget = equity * terms.risk_per_trade_pct / HUNDRED
    position_cap = equity * terms.max_position_pct / HUNDRED
    deployable = available  # the treasury's available: the buffer is already held apart
    return risk_budget, position_cap, deployable


# Available 80,036.255 (a fraction of a paisa left over); 37 shares at 2,152.38 x 1.005 =
# 80,036.2503 fit, but the paisa-rounded reserve is 80,036.26.
SUB_PAISA_CASE = (
    mandate(risk_per_trade_pct=D("10"), max_position_pct=D("100"), cash_buffer_pct=D("5")),
    D("84248.69"), D("80036.255"), D("2152.38"), D("2100.00"),
)


@given(case=sizing_cases())
@example(case=SUB_PAISA_CASE)
def test_size_long_when_sized_then_every_bound_holds(
    case: tuple[Mandate, Decimal, Decimal, Decimal, Decimal],
) -> None:
    terms, equity, available, reference, stop = case
    risk_budget, position_cap, deployable = bounds(terms, equity, available)

    result = size_long(terms, equity, available, reference, stop)

    if isinstance(result, Sizing):
        assert result.quantity >= 1
        assert result.quantity * reference <= position_cap
        assert result.quantity * (reference - stop) <= risk_budget
        assert result.reserve <= deployable
        assert result.reserve >= result.quantity * reference


@given(case=sizing_cases())
def test_size_long_when_sized_then_one_more_share_would_break_a_bound(
    case: tuple[Mandate, Decimal, Decimal, Decimal, Decimal],
) -> None:
    terms, equity, available, reference, stop = case
    risk_budget, position_cap, deployable = bounds(terms, equity, available)

    result = size_long(terms, equity, available, reference, stop)

    quantity = result.quantity if isinstance(result, Sizing) else 0
    more = quantity + 1
    assert (
        more * reference > position_cap
        or more * (reference - stop) > risk_budget
        or more * reference * HEADROOM > deployable
    )


@given(case=sizing_cases())
def test_size_long_when_refused_then_a_reason_is_given(
    case: tuple[Mandate, Decimal, Decimal, Decimal, Decimal],
) -> None:
    result = size_long(*case)

    if isinstance(result, SizingRefused):
        assert "zero shares" in result.reason


def test_size_long_when_position_cap_binds_then_quantity_and_reserve_follow_it() -> None:
    # Equity 10,00,000: risk 1% = 10,000 / (500 - 490) -> 1000 shares;
    # cap 20% = 2,00,000 / 500 -> 400; available 10,00,000 / 502.5 -> 1990.
    # Reserve 400 x 502.50 = 2,01,000.00.
    result = size_long(mandate(), D("1000000"), D("1000000"), D("500"), D("490"))

    assert isinstance(result, Sizing)
    assert result.quantity == 400
    assert result.reserve == D("201000.00")


def test_size_long_when_sized_then_explanation_names_each_bound() -> None:
    result = size_long(mandate(), D("1000000"), D("1000000"), D("500"), D("490"))

    assert isinstance(result, Sizing)
    assert "risk 1% = 10000.00 / 10 per share -> 1000" in result.explanation
    assert "position cap 20% = 200000.00 / 500 -> 400" in result.explanation
    assert "available 1000000.00 (buffer held apart)" in result.explanation
    assert "-> 1990" in result.explanation
    assert result.explanation.endswith("quantity = 400")


def test_size_long_when_risk_budget_binds_then_quantity_is_budget_over_risk_per_share() -> None:
    # Risk 1% of 10,00,000 = 10,000 / (500 - 450 = 50) -> 200 shares (cap 400, cash 1990).
    result = size_long(mandate(), D("1000000"), D("1000000"), D("500"), D("450"))

    assert isinstance(result, Sizing)
    assert result.quantity == 200


def test_size_long_when_cash_binds_then_quantity_fits_deployable() -> None:
    # Available 50,000 / 502.5 -> 99 shares; reserve 49,747.50.
    result = size_long(mandate(), D("1000000"), D("50000"), D("500"), D("490"))

    assert isinstance(result, Sizing)
    assert result.quantity == 99
    assert result.reserve == D("49747.50")


def test_size_long_when_stop_equals_reference_then_refused_with_reason() -> None:
    result = size_long(mandate(), D("1000000"), D("1000000"), D("500"), D("500"))

    assert result == SizingRefused("stop 500 is not below reference 500")


def test_size_long_when_stop_above_reference_then_refused() -> None:
    result = size_long(mandate(), D("1000000"), D("1000000"), D("500"), D("510"))

    assert isinstance(result, SizingRefused)
    assert "not below reference" in result.reason


def test_size_long_when_no_cash_available_then_refused_naming_available() -> None:
    result = size_long(mandate(), D("1000000"), D("0"), D("500"), D("490"))

    assert isinstance(result, SizingRefused)
    assert "zero shares" in result.reason
    assert "available 0.00" in result.reason


def test_size_long_when_mandate_has_a_buffer_then_it_is_not_taken_twice() -> None:
    # The treasury already holds the 5% buffer apart; available 50,000 is all deployable.
    result = size_long(mandate(cash_buffer_pct=D("5")), D("1000000"), D("50000"), D("500"),
                       D("490"))

    assert isinstance(result, Sizing) and result.quantity == 99


def test_size_long_when_equity_is_zero_then_refused() -> None:
    result = size_long(mandate(), D("0"), D("0"), D("500"), D("490"))

    assert result == SizingRefused("account has no equity")


def test_size_long_when_available_has_a_sub_paisa_tail_then_reserve_still_fits() -> None:
    terms, equity, available, reference, stop = SUB_PAISA_CASE

    result = size_long(terms, equity, available, reference, stop)

    assert isinstance(result, Sizing)
    assert result.quantity == 36 and result.reserve <= available


# With the strategy book's risk model: volatility target, Kelly-lite and lots --------------
@st.composite
def model_cases(draw: st.DrawFn) -> tuple[tuple[Mandate, Decimal, Decimal, Decimal, Decimal],
                                          RiskModel, int]:
    case = draw(sizing_cases())
    model = RiskModel(
        vol_target_pct=draw(st.decimals(D("0.1"), D("5"), places=2)),
        daily_sigma=draw(st.none() | st.decimals(D("0.001"), D("0.2"), places=4)),
        kelly_fraction=draw(st.decimals(D("0.05"), D("1"), places=2)),
        kelly=draw(st.decimals(D("-0.5"), D("2"), places=4)),
    )
    lot = draw(st.sampled_from([1, 1, 5, 25, 75]))
    return case, model, lot


@given(case=model_cases())
def test_size_long_when_risk_model_given_then_no_bound_is_exceeded_and_lots_are_whole(
    case: tuple[tuple[Mandate, Decimal, Decimal, Decimal, Decimal], RiskModel, int],
) -> None:
    (terms, equity, available, reference, stop), model, lot = case
    risk_budget, position_cap, deployable = bounds(terms, equity, available)

    result = size_long(terms, equity, available, reference, stop, lot=lot, model=model)

    if isinstance(result, SizingRefused):
        assert result.reason
        return
    assert model.kelly > 0
    assert result.quantity >= lot and result.quantity % lot == 0
    assert result.quantity * reference <= position_cap
    assert result.quantity * (reference - stop) <= risk_budget
    assert result.reserve <= deployable
    assert result.quantity * (reference - stop) <= equity * model.kelly * model.kelly_fraction
    if model.daily_sigma is not None:
        daily_sd = result.quantity * reference * model.daily_sigma
        assert daily_sd <= equity * model.vol_target_pct / HUNDRED


def test_size_long_when_kelly_is_not_positive_then_refused_as_no_edge() -> None:
    model = RiskModel(vol_target_pct=D("1"), daily_sigma=D("0.02"), kelly_fraction=D("0.25"),
                      kelly=D("0"))

    result = size_long(mandate(), D("1000000"), D("1000000"), D("100"), D("98"), model=model)

    assert isinstance(result, SizingRefused) and "no edge" in result.reason


def test_size_long_when_vol_target_binds_then_quantity_is_budget_over_daily_risk() -> None:
    terms = mandate(risk_per_trade_pct=D("10"), max_position_pct=D("100"),
                    cash_buffer_pct=D("0"))
    model = RiskModel(vol_target_pct=D("1"), daily_sigma=D("0.02"), kelly_fraction=D("1"),
                      kelly=D("1"))

    result = size_long(terms, D("1000000"), D("1000000"), D("100"), D("99"), model=model)

    # 1% of 10 lakh = 10,000 of daily sd; 100 x 0.02 = 2 per share -> 5,000 shares.
    assert isinstance(result, Sizing) and result.quantity == 5000
    assert "vol target 1%" in result.explanation and "Kelly-lite" in result.explanation


def test_size_long_when_lot_is_25_then_quantity_rounds_down_to_whole_lots() -> None:
    terms = mandate(risk_per_trade_pct=D("1"), max_position_pct=D("100"),
                    cash_buffer_pct=D("0"))

    result = size_long(terms, D("100000"), D("100000"), D("100"), D("90"), lot=25)

    # Risk 1,000 / 10 per share = 100 shares -> 4 lots of 25.
    assert isinstance(result, Sizing) and result.quantity == 100
    odd = size_long(terms, D("100000"), D("100000"), D("100"), D("88"), lot=25)
    assert isinstance(odd, Sizing) and odd.quantity == 75  # 83 shares -> 3 lots
