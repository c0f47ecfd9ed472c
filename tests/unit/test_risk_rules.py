"""Risk limits: when a day's loss or a drawdown must stop new entries."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.risk_rules import Breach, desk_limit_breach, limit_breach
from tests.unit.conftest import D, mandate

# Daily loss limit 5,000; max drawdown 10%.
TERMS = mandate(daily_loss_limit=D("5000"), max_drawdown_pct=D("10"))


def test_limit_breach_when_daily_loss_equals_limit_then_trips_on_daily_pnl() -> None:
    breach = limit_breach(TERMS, D("-5000.00"), D("0"))

    assert breach == Breach(
        "daily_pnl", D("-5000.00"), D("-5000"), "daily loss -5000.00 reached limit -5000"
    )


def test_limit_breach_when_daily_loss_is_a_paisa_short_of_limit_then_no_breach() -> None:
    assert limit_breach(TERMS, D("-4999.99"), D("0")) is None


def test_limit_breach_when_drawdown_equals_limit_then_trips_on_drawdown() -> None:
    breach = limit_breach(TERMS, D("0"), D("10"))

    assert breach is not None
    assert (breach.metric, breach.value, breach.limit) == ("drawdown_pct", D("10"), D("10"))
    assert breach.reason == "drawdown 10.00% reached limit 10%"


def test_limit_breach_when_drawdown_just_under_limit_then_no_breach() -> None:
    assert limit_breach(TERMS, D("0"), D("9.99")) is None


def test_limit_breach_when_both_limits_broken_then_daily_loss_reported_first() -> None:
    breach = limit_breach(TERMS, D("-6000"), D("12"))

    assert breach is not None
    assert breach.metric == "daily_pnl"


@given(
    pnl=st.decimals(D("-4999.99"), D("1000000"), places=2),
    drawdown=st.decimals(D("0"), D("9.99"), places=2),
)
def test_limit_breach_when_inside_both_limits_then_no_breach(
    pnl: Decimal, drawdown: Decimal
) -> None:
    assert limit_breach(TERMS, pnl, drawdown) is None


@given(
    loss=st.decimals(D("5000"), D("1000000"), places=2),
    drawdown=st.decimals(D("0"), D("100"), places=2),
)
def test_limit_breach_when_loss_at_or_beyond_limit_then_daily_breach_with_value(
    loss: Decimal, drawdown: Decimal
) -> None:
    breach = limit_breach(TERMS, -loss, drawdown)

    assert breach is not None
    assert (breach.metric, breach.value, breach.limit) == ("daily_pnl", -loss, D("-5000"))


@given(st.decimals(min_value=-10**7, max_value=10**7, places=2))
def test_desk_limit_breach_when_no_limit_set_then_never_breached(pnl: Decimal) -> None:
    assert desk_limit_breach(None, pnl) is None
    assert desk_limit_breach(D("0"), pnl) is None


@given(st.decimals(min_value=1, max_value=10**7, places=2),
       st.decimals(min_value=-10**7, max_value=10**7, places=2))
def test_desk_limit_breach_when_pnl_reaches_minus_the_limit_then_breached_else_not(
    limit: Decimal, pnl: Decimal,
) -> None:
    breach = desk_limit_breach(limit, pnl)

    assert (breach is not None) == (pnl <= -limit)
    if breach is not None:
        assert breach.metric == "desk_daily_pnl" and breach.limit == -limit
