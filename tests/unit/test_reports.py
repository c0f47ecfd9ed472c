"""The EOD, monthly and compliance reports on a small hand-checked log: two delivery
trades in January 2025, every charge worked out by hand below from the rate table.

    Trade 1 (buyback, TCS): buy 100 @ 500.00 Mon 6 Jan, sell 100 @ 530.00 the same day.
      buy  turnover 50,000: STT 50.00, exchange 1.49 (1.485), SEBI 0.05, IPFT 0.05,
           stamp 7.50, GST 0.28 (18% of 1.54)                                 = 59.37
      sell turnover 53,000: STT 53.00, exchange 1.57, SEBI 0.05, IPFT 0.05,
           GST 0.29 (18% of 1.62)                                             = 54.96
      gross 3,000.00, charges 114.33, after charges 2,885.67
    Trade 2 (results, INFY): buy 50 @ 1,800.00 Tue 7 Jan (marked 1,790.00 at the close),
      sold at the stop 1,780.00 Wed 8 Jan.
      buy  turnover 90,000: STT 90.00, exchange 2.67, SEBI 0.09, IPFT 0.09,
           stamp 13.50, GST 0.50 (18% of 2.76)                                = 106.85
      sell turnover 89,000: STT 89.00, exchange 2.64, SEBI 0.09, IPFT 0.09,
           GST 0.49 (18% of 2.73)                                             = 92.31
      gross -1,000.00, charges 199.16, after charges -1,199.16
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.aggregates import Account, Order, TradeCard
from domain.costs import Product, fill_costs
from domain.events import (
    BarClosed,
    CardBlocked,
    CardReviewed,
    KillSwitchTripped,
    Recorded,
)
from domain.values import GuardrailResult, Leg, Side
from projections.reports.compliance import compliance_report
from projections.reports.eod import eod_report
from projections.reports.monthly import monthly_report
from tests.unit.conftest import D, Log, cause, fill, funded_account, placed, proposal

MON = datetime(2025, 1, 6, 4, 0, tzinfo=UTC)  # 09:30 IST
TUE, WED = MON + timedelta(days=1), MON + timedelta(days=2)
EVIDENCE = "01a1f730-9a40-7d9a-8341-9a901b7bfdb7"
PASSED = (GuardrailResult(name="cash", passed=True, detail="reserve 50,059.37 vs 1,00,000"),)


def _trade(
    log: Log,
    account: Account,
    n: int,
    symbol: str,
    strategy: str,
    qty: int,
    entry: str,
    exit_: str,
    exit_leg: Leg,
    opened: datetime,
    closed: datetime,
    reviewed: bool,
) -> None:
    card_id, order_id = f"card-{n}", f"order-{n}"
    card = TradeCard(card_id)
    card.propose(
        proposal(
            card_id=card_id,
            symbol=symbol,
            strategy=strategy,
            quantity=qty,
            signal_id=f"sig-{n}",
            guardrails=PASSED,
            evidence=(UUID(EVIDENCE),),
            expires_at=opened + timedelta(minutes=30),
        ),
        cause(opened),
    )
    card.approve("ops:meera", opened, PASSED, cause(opened, actor="operator:meera"))
    log.take(card)
    if reviewed:
        log.add(
            CardReviewed(
                card_id=card_id,
                account_id="acc-1",
                reviewer="rule-based",
                verdict="support",
                confidence=D("0.7"),
                thesis="fresh buyback",
                risks=(),
                invalidation="close below 490",
                prompt_name="judge",
                prompt_version=1,
                prompt_sha256="a" * 64,
                schema_sha256="b" * 64,
            ),
            f"review-{card_id}",
            opened,
        )
    buy = fill_costs(Side.BUY, qty, D(entry), Product.DELIVERY, opened.date())
    cost = D(entry) * qty + buy.total  # cash moves as the execution handler moves it
    account.reserve(card_id, cost, cause(opened))
    order = Order(order_id)
    order.place(
        placed(order_id=order_id, card_id=card_id, symbol=symbol, quantity=qty),
        cause(opened, actor="execution"),
    )
    order.accept(f"paper-{n}", cause(opened))
    order.fill(
        fill(
            Leg.ENTRY,
            entry,
            order_id=order_id,
            fill_id=f"{order_id}-in",
            symbol=symbol,
            quantity=qty,
            costs=buy,
        ),
        cause(opened),
    )
    account.deploy(card_id, order_id, cost, cause(opened))
    log.take(account, order)
    if closed.date() != opened.date():  # the close of the entry day marks it
        log.add(
            BarClosed(
                symbol=symbol,
                start=opened + timedelta(hours=5),
                end=opened + timedelta(hours=5, minutes=1),
                open=D(entry),
                high=D(entry),
                low=D("1790"),
                close=D("1790"),
                volume=1000,
            ),
            f"bars-{symbol}",
            opened + timedelta(hours=5, minutes=1),
        )
    sell = fill_costs(Side.SELL, qty, D(exit_), Product.DELIVERY, closed.date())
    order.fill(
        fill(
            exit_leg,
            exit_,
            order_id=order_id,
            fill_id=f"{order_id}-out",
            symbol=symbol,
            quantity=qty,
            costs=sell,
        ),
        cause(closed),
    )
    account.return_cash(order_id, D(exit_) * qty - sell.total, cause(closed))
    log.take(order, account)


@pytest.fixture(scope="module")
def events() -> list[Recorded]:
    log = Log()
    account = funded_account(log)  # 1,00,000.00 deposited on Mon 6 Jan
    blocked = TradeCard("card-9")
    blocked.block(
        CardBlocked(
            card_id="card-9",
            account_id="acc-1",
            signal_id="sig-9",
            symbol="WIPRO",
            reason="mandate: sector IT is excluded",
        ),
        cause(MON, actor="strategy:momentum"),
    )
    log.take(blocked)
    _trade(
        log,
        account,
        1,
        "TCS",
        "buyback",
        100,
        "500.00",
        "530.00",
        Leg.TARGET,
        MON,
        MON + timedelta(hours=2),
        reviewed=True,
    )
    _trade(
        log,
        account,
        2,
        "INFY",
        "results",
        50,
        "1800.00",
        "1780.00",
        Leg.STOP,
        TUE,
        WED,
        reviewed=False,
    )
    log.add(
        KillSwitchTripped(
            scope="acc-1",
            reason="daily loss -1,199.16 reached -1,000",
            metric="daily_pnl",
            value=D("-1199.16"),
            limit=D("-1000"),
        ),
        "risk-acc-1",
        WED + timedelta(minutes=1),
    )
    return [Recorded(i, e) for i, e in enumerate(log.events, start=1)]


def test_eod_when_a_trade_closes_that_day_then_pnl_after_charges_to_the_paisa(
    events: list[Recorded],
) -> None:
    report = eod_report(events, date(2025, 1, 6))

    (account,) = report.accounts
    assert (account.gross_pnl, account.charges, account.realised_pnl) == (
        D("3000.00"),
        D("114.33"),
        D("2885.67"),
    )
    assert report.desk.realised_pnl == D("2885.67") and report.desk.closed_trades == 1
    assert account.equity == D("102885.67")
    assert (account.cards_proposed, account.cards_approved, account.cards_blocked) == (1, 1, 1)
    assert [
        (c.decision, c.card_id, c.reason) for c in report.cards if c.decision != "proposed"
    ] == [("blocked", "card-9", "mandate: sector IT is excluded"), ("approved", "card-1", "")]
    assert report.positions == () and report.kill_switches == ()


def test_eod_when_a_position_is_open_at_the_close_then_marked_at_the_last_bar(
    events: list[Recorded],
) -> None:
    report = eod_report(events, date(2025, 1, 7))

    (position,) = report.positions
    assert (position.symbol, position.quantity, position.mark, position.unrealised_pnl) == (
        "INFY",
        50,
        D("1790"),
        D("-500.00"),
    )
    assert report.desk.realised_pnl == D("0") and report.desk.fill_charges == D("106.85")
    assert report.desk.total_pnl == D("-500.00")


def test_eod_when_the_kill_switch_trips_then_listed_with_its_reason_and_halted_at_the_end(
    events: list[Recorded],
) -> None:
    report = eod_report(events, date(2025, 1, 8))

    assert report.accounts[0].realised_pnl == D("-1199.16")
    assert report.accounts[0].charges == D("199.16")
    assert [(k.scope, k.action, k.reason) for k in report.kill_switches] == [
        ("acc-1", "tripped", "daily loss -1,199.16 reached -1,000")
    ]
    assert report.halted_at_end == ("acc-1",) and report.accounts[0].halted


def test_eod_when_asked_for_another_account_then_nothing_of_acc_1_is_shown(
    events: list[Recorded],
) -> None:
    report = eod_report(events, date(2025, 1, 6), account="acc-2")

    assert report.accounts == () and report.cards == () and report.desk.realised_pnl == 0


def test_monthly_when_two_trades_then_hit_rate_costs_and_attribution_to_the_paisa(
    events: list[Recorded],
) -> None:
    report = monthly_report(events, date(2025, 1, 1))

    assert (report.trades, report.wins, report.hit_rate_pct) == (2, 1, D("50.0000"))
    assert report.realised_pnl == D("1686.51") and report.pnl == D("1686.51")
    assert report.charges == D("313.49")
    assert report.charges_by_kind == {
        "brokerage": D("0"),
        "stt": D("282.00"),
        "exchange_txn": D("8.37"),
        "sebi_fee": D("0.28"),
        "ipft": D("0.28"),
        "stamp_duty": D("21.00"),
        "gst": D("1.56"),
    }
    assert [(a.key, a.net_pnl, a.charges) for a in report.by_strategy] == [
        ("buyback", D("2885.67"), D("114.33")),
        ("results", D("-1199.16"), D("199.16")),
    ]
    assert [(a.key, a.trades, a.hit_rate_pct) for a in report.by_account] == [
        ("acc-1", 2, D("50.0000"))
    ]


def test_monthly_when_a_deposit_opens_the_month_then_it_is_not_counted_as_a_return(
    events: list[Recorded],
) -> None:
    report = monthly_report(events, date(2025, 1, 1))

    assert [(d.day.day, d.net_inflow, d.pnl) for d in report.days] == [
        (6, D("100000.00"), D("2885.67")),
        (7, D("0"), D("-500.00")),
        (8, D("0"), D("-699.16")),
    ]
    assert report.days[0].return_pct == D("2.8857")  # 2,885.67 on 1,00,000 at work
    assert report.days[1].return_pct == D("-0.4860")  # -500 on 1,02,885.67
    assert report.days[0].drawdown_pct == 0 and report.days[2].drawdown_pct < D("-1.16")
    assert report.max_drawdown_pct == report.days[2].drawdown_pct


def test_monthly_when_the_month_has_no_events_then_empty_and_no_return(
    events: list[Recorded],
) -> None:
    report = monthly_report(events, date(2025, 2, 1))

    assert report.days == () and report.return_pct is None and report.trades == 0


def test_compliance_when_orders_in_range_then_each_trail_names_card_review_and_approval(
    events: list[Recorded],
) -> None:
    report = compliance_report(events, date(2025, 1, 6), date(2025, 1, 8))

    first, second = report.orders
    assert (first.order_id, first.card_id, first.strategy) == ("order-1", "card-1", "buyback")
    assert first.evidence == (EVIDENCE,)
    assert [c.name for c in first.guardrails_at_proposal] == ["cash"]
    assert first.review is not None and first.review.outcome == "support"
    assert (first.approved_by, first.approved_at) == ("ops:meera", MON)
    assert first.approval_actor == "operator:meera"
    assert [c.passed for c in first.recheck_at_approval] == [True]
    assert [(f.leg, f.price, f.charges) for f in first.fills] == [
        ("ENTRY", D("500.00"), D("59.37")),
        ("TARGET", D("530.00"), D("54.96")),
    ]
    assert first.realised_pnl == D("2885.67") and first.outcome.startswith("closed at 530")
    assert second.review is None and report.unreviewed == 1 and report.failed_rechecks == 0


def test_compliance_when_the_range_is_one_later_day_then_only_that_days_orders(
    events: list[Recorded],
) -> None:
    report = compliance_report(events, date(2025, 1, 7), date(2025, 1, 7))

    assert [o.order_id for o in report.orders] == ["order-2"]
    assert report.orders[0].realised_pnl == D("-1199.16")  # closed the next day, still shown


def test_compliance_when_the_range_ends_before_it_starts_then_refused_with_why(
    events: list[Recorded],
) -> None:
    with pytest.raises(ValueError, match="ends"):
        compliance_report(events, date(2025, 1, 8), date(2025, 1, 6))


def test_reports_when_json_dumped_then_money_is_exact_decimal_text(events: list[Recorded]) -> None:
    data = eod_report(events, date(2025, 1, 6)).model_dump(mode="json")

    assert data["desk"]["realised_pnl"] == "2885.67" and data["desk"]["charges"] == "114.33"
    assert isinstance(Decimal(data["accounts"][0]["equity"]), Decimal)
