"""The envelope: exact JSON round trips, strict validation, and upcasting old payloads."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from domain.events import (
    AccountDay,
    AccountOpened,
    AlertCleared,
    AlertFired,
    AnnouncementArrived,
    BarClosed,
    BreakResolved,
    BrokerConfigured,
    CardApproved,
    CardBlocked,
    CardExpired,
    CardExpiring,
    CardRejected,
    CardReviewed,
    CardReviewFailed,
    CardReviewRequested,
    CashDeployed,
    CashDeposited,
    CashReleased,
    CashReserved,
    CashReturned,
    CashTransferredIn,
    CashTransferredOut,
    CorporateActionRecorded,
    DailyReportPublished,
    DeskLossLimitSet,
    Envelope,
    ExitAction,
    ExitRefused,
    ExitRequested,
    ExternalOrderObserved,
    FeedGapFlagged,
    FundingPlanSet,
    InputRejected,
    InstrumentListed,
    JobCompleted,
    KillSwitchReset,
    KillSwitchTripped,
    MandateSet,
    NewsArrived,
    NewsTagged,
    NotificationFailed,
    NotificationSent,
    OrderAccepted,
    OrderCancelled,
    OrderDenied,
    OrderPartiallyFilled,
    OrderRejected,
    Payload,
    PositionClosed,
    PromptPromoted,
    PromptVersionPublished,
    ReactionFailed,
    ReactionRefused,
    ReconciliationBreak,
    SignalFiltered,
    SignalScored,
    StrategyDeployed,
    StrategyPaused,
    StrategyResumed,
    StrategyRetired,
    StrategyVersionPublished,
    TradeImported,
    TrancheReleased,
    TransferApproved,
    TransferProposed,
    TransferRejected,
    known_event_types,
    payload_type,
)
from domain.events.strategies import StrategyWindowClosed, StrategyWindowOpened
from domain.funding import FundingPlan, OnDate, OnDrawdown, Sip, Tranche
from domain.session import IST
from domain.tax import ActionKind
from domain.values import GuardrailResult, Horizon, Leg, Side
from tests.unit.conftest import (
    T0,
    TRADE_DATE,
    D,
    bar,
    charges,
    envelope,
    fill,
    mandate,
    placed,
    proposal,
)

EVIDENCE = (UUID("01943a5e-8c00-7000-8000-000000000001"),)
PASSED = (GuardrailResult(name="cash", passed=True, detail="reserve 100.00 vs 900.00"),)

SAMPLES: dict[str, Payload] = {
    p.event_type: p
    for p in (
        AccountOpened(account_id="acc-1", name="Asha Rao"),
        MandateSet(account_id="acc-1", version=1, mandate=mandate(), reason="onboarding"),
        CashDeposited(account_id="acc-1", amount=D("100000.00"), reference="neft-1"),
        CashReserved(account_id="acc-1", card_id="card-1", amount=D("50250.00")),
        CashReleased(account_id="acc-1", card_id="card-1", amount=D("190.63"), reason="unused"),
        CashDeployed(account_id="acc-1", card_id="card-1", order_id="order-1",
                     amount=D("50059.37")),
        CashReturned(account_id="acc-1", order_id="order-1", amount=D("52945.04"),
                     cost_basis=D("50059.37")),
        SignalScored(
            signal_id="sig-1", strategy="buyback", playbook_version="buyback-v1",
            symbol="TCS", sector="IT", side=Side.BUY, score=D("0.70"),
            reference_price=D("1523.45"), stop=D("1500.50"), target=D("1569.20"),
            horizon=Horizon.SWING, expires_at=T0 + timedelta(minutes=30),
            rationale="buyback", evidence=EVIDENCE,
        ),
        proposal(guardrails=PASSED, evidence=EVIDENCE),
        SignalFiltered(signal_id="sig-1", strategy="buyback", symbol="TCS",
                       reason="stale price", evidence=EVIDENCE),
        NewsTagged(source_event=EVIDENCE[0], category="buyback", symbols=("TCS",),
                   confidence="high", ambiguous=False, reasons=("exchange category",),
                   rules_version="tagging-v2"),
        CardBlocked(card_id="card-2", account_id="acc-2", signal_id="sig-1", symbol="TCS",
                    reason="sector banned", guardrails=PASSED, evidence=EVIDENCE),
        CardApproved(card_id="card-1", account_id="acc-1", approved_by="ops:meera",
                     guardrails=PASSED),
        CardRejected(card_id="card-1", account_id="acc-1", rejected_by="ops:meera",
                     reason="too close to results"),
        CardExpired(card_id="card-1", account_id="acc-1"),
        OrderDenied(card_id="card-1", account_id="acc-1", reason="insufficient cash",
                    required_cash=D("50250.00")),
        NewsArrived(source_id="n-1", source="wire", published_at=T0, headline="TCS buyback",
                    body="Board approves", symbols=("TCS",), category="corporate"),
        AnnouncementArrived(source_id="a-1", source="nse", published_at=T0,
                            headline="Buyback of equity shares", symbol="TCS",
                            isin="INE467B01029", category="Buyback"),
        bar("1523.45", "1530.00", "1520.05", "1528.90"),
        InputRejected(source="nse", reason="no symbol", raw='{"headline": "?"}'),
        FeedGapFlagged(feed="upstox", start=T0, end=T0 + timedelta(minutes=3),
                       reason="connection dropped"),
        placed(),
        OrderAccepted(order_id="order-1", account_id="acc-1", broker_order_id="paper-order-1"),
        OrderRejected(order_id="order-1", account_id="acc-1", reason="quantity must be positive"),
        fill(Leg.ENTRY, "500.25", costs=charges(stt="50.03", exchange_txn="1.49")),
        OrderPartiallyFilled(order_id="order-1", account_id="acc-1", fill_id="upstox:T1",
                             leg=Leg.ENTRY, quantity=40, price=D("500.25"), filled=40,
                             traded_at=T0),
        ReconciliationBreak(break_id="break-upstox-position-INFY-1a2b3c4d", venue="upstox",
                            kind="POSITION", subject="INFY", desk_side="holds 0",
                            venue_side="holds 5", accounts=("acc-1",)),
        ExternalOrderObserved(venue="upstox", venue_order_id="261127000000009", symbol="INFY",
                              side=Side.BUY, quantity=5, filled_quantity=5, status="FILLED"),
        BreakResolved(break_id="break-upstox-position-INFY-1a2b3c4d", venue="upstox",
                      resolved_by="operator:asha", note="bought at the terminal; booked"),
        OrderCancelled(order_id="order-1", account_id="acc-1", leg=Leg.STOP,
                       reason="one-cancels-other"),
        PositionClosed(
            account_id="acc-1", order_id="order-1", symbol="TCS", quantity=100,
            entry_price=D("500.00"), exit_price=D("530.00"), exit_leg=Leg.TARGET,
            gross_pnl=D("3000.00"), costs=D("114.33"), realised_pnl=D("2885.67"),
        ),
        KillSwitchTripped(scope="acc-1", reason="daily loss", metric="daily_pnl",
                          value=D("-5000.00"), limit=D("-5000")),
        KillSwitchReset(scope="acc-1", reason="new day"),
        BrokerConfigured(account_id="acc-1", broker="upstox",
                         credentials={"UPSTOX_API_SECRET": "env:ASHA_UPSTOX_SECRET"},
                         settings={"api_host": "https://api.upstox.com"}, reason="go live"),
        DeskLossLimitSet(scope="desk", limit=D("25000.00"), reason="desk risk budget"),
        ExitRequested(order_id="order-1", account_id="acc-1", action=ExitAction.CLOSE,
                      scope="position", reason="results tomorrow"),
        ExitRefused(order_id="order-1", account_id="acc-1", action=ExitAction.CANCEL,
                    reason="order order-1 is closed"),
        FundingPlanSet(account_id="acc-1", reason="intake", plan=FundingPlan(
            plan_id="acc-1/plan-1", starts_on=TRADE_DATE, stated="SIP 25,000 on the 5th",
            sip=Sip(amount=D("25000.00"), day_of_month=5, count=12),
            tranches=(Tranche(amount=D("300000.00"),
                              release=OnDrawdown(index="NIFTY", drawdown_pct=D("10"))),
                      Tranche(amount=D("100000.00"), release=OnDate(on=TRADE_DATE))),
        )),
        TrancheReleased(account_id="acc-1", plan_id="acc-1/plan-1", sequence=1,
                        amount=D("300000.00"), condition="NIFTY 10.2% below its high",
                        evidence=EVIDENCE),
        TransferProposed(transfer_id="transfer-1", from_account="acc-1", to_account="acc-2",
                         amount=D("50000.00"), reason="rebalance", proposed_by="operator:amy"),
        TransferApproved(transfer_id="transfer-1", approved_by="operator:ada"),
        TransferRejected(transfer_id="transfer-1", rejected_by="operator:ada", reason="no"),
        CashTransferredOut(account_id="acc-1", transfer_id="transfer-1", to_account="acc-2",
                           amount=D("50000.00")),
        CashTransferredIn(account_id="acc-2", transfer_id="transfer-1", from_account="acc-1",
                          amount=D("50000.00")),
        JobCompleted(job="funding", day=TRADE_DATE, outcome="2 installments credited"),
        DailyReportPublished(day=TRADE_DATE, as_of_position=42, accounts=(AccountDay(
            account_id="acc-1", name="Asha Rao", available=D("90000.00"), reserved=D("0"),
            deployed=D("5000.00"), buffer=D("5000.00"), deposits=D("100000.00"),
            realised_pnl=D("0"), costs=D("0"), open_positions=1, cards_proposed=2,
            cards_approved=1, orders=1, halted=False),)),
        ReactionRefused(process_manager="execution", reason="unknown card card-1",
                        trigger_id=UUID(int=7), trigger_type="CardApproved"),
        ReactionFailed(process_manager="paper-fills", reason="InvalidOperation: [<class "
                       "'decimal.InvalidOperation'>]", trigger_id=UUID(int=8),
                       trigger_type="BarClosed", paused=["acc-1"]),
        TradeImported(account_id="acc-1", broker="zerodha", exchange="NSE", trade_id="T1",
                      order_id="O1", trade_date=TRADE_DATE, traded_at=datetime(
                          2025, 1, 6, 10, 1, tzinfo=IST), symbol="M&M", isin="INE101A01026",
                      side=Side.BUY, quantity=5, price=D("2999.950000"), charges=D("0"),
                      stt=D("0"), source="tradebook.csv:2", linked_fill=None),
        CorporateActionRecorded(symbol="TCS", kind=ActionKind.SPLIT, new=5, old=1,
                                ex_date=TRADE_DATE, reference="NSE circular"),
        InstrumentListed(symbol="M&M", isin="INE101A01026", name="MAHINDRA & MAHINDRA LTD",
                         lot_size=1, tick_size=D("0.10"), freeze_quantity=62000,
                         venue_key="NSE_EQ|INE101A01026", effective_from=TRADE_DATE,
                         source="upstox:NSE.json.gz"),
        CardReviewRequested(card_id="card-1", account_id="acc-1", reviewer="llm",
                            prompt_name="card-review", prompt_version=2,
                            model_requested="gpt-4o-mini"),
        CardReviewed(card_id="card-1", account_id="acc-1", reviewer="llm", verdict="caution",
                     confidence=D("0.62"), thesis="buyback at a premium", risks=("gap",),
                     invalidation="close below 490", prompt_name="card-review",
                     prompt_version=2, prompt_sha256="a" * 64, schema_sha256="b" * 64,
                     model_requested="gpt-4o-mini", model_returned="gpt-4o-mini-2024-07-18",
                     request_id="req_1", tokens_in=512, tokens_out=80,
                     latency_ms=D("812.250"), retries=1),
        CardReviewFailed(card_id="card-1", account_id="acc-1", reason="rate_limit",
                         detail="RateLimitError 429", prompt_name="card-review",
                         prompt_version=1),
        PromptVersionPublished(name="card-review", version=2, label="candidate",
                               system="You review cards.", user_template="card = {card}",
                               sha256="c" * 64, candidate_share=D("0.25")),
        PromptPromoted(name="card-review", version=2, previous=1),
        StrategyVersionPublished(strategy="momentum", version_id="momentum-b1a34c59a9",
                                 sha256="b" * 64, definition='{"kind":"bars"}',
                                 label="strategies-2026.11-1", notes="wider stop"),
        StrategyDeployed(strategy="momentum", version_id="momentum-b1a34c59a9",
                         accounts=("acc-1",), effective_from=datetime(2025, 1, 6, 4, 0,
                                                                      tzinfo=UTC),
                         reason="one account first"),
        StrategyPaused(strategy="momentum", reason="volatile morning", paused_by="asha"),
        StrategyResumed(strategy="momentum", reason="calmer", resumed_by="asha"),
        StrategyRetired(strategy="momentum", reason="replaced", retired_by="asha"),
        StrategyWindowOpened(strategy="momentum", window="09:20-11:00", day=date(2025, 1, 6),
                             at=datetime(2025, 1, 6, 3, 50, tzinfo=UTC), evidence=(UUID(int=1),)),
        StrategyWindowClosed(strategy="momentum", window="09:20-11:00", day=date(2025, 1, 6),
                             at=datetime(2025, 1, 6, 5, 30, tzinfo=UTC), evidence=(UUID(int=9),)),
        NotificationSent(event_id=UUID(int=7), about_type="CardProposed",
                         channel="telegram-1111", operator="asha", message_id="1111:5",
                         attempt=2),
        NotificationFailed(event_id=UUID(int=7), about_type="CardProposed",
                           channel="telegram-1111", operator="asha", attempt=1,
                           reason="telegram 500: Internal Server Error"),
        AlertFired(rule="lagging", kind="view_lag", subject="desk",
                   metric="desk_view_lag_events", observed=D("1200"), threshold=D("1000"),
                   evidence="desk_view_lag_events{desk} = 1200 events > 1000 since 09:20:01 IST"),
        AlertCleared(rule="lagging", kind="view_lag", subject="desk",
                     metric="desk_view_lag_events", observed=D("0"), threshold=D("1000"),
                     evidence="desk_view_lag_events{desk} = 0 events ≤ 1000"),
        CardExpiring(card_id="card-1", account_id="acc-1", symbol="TCS", side="BUY",
                     quantity=100, expires_at=datetime(2025, 1, 6, 4, 30, tzinfo=UTC),
                     minutes_left=4),
    )
}


def production_event_types() -> list[str]:
    """Registered types that belong to the desk (test modules register probes too)."""
    return [t for t in known_event_types() if payload_type(t).__module__.startswith("domain.")]


def stored(env: Envelope) -> dict[str, Any]:
    """The envelope as a store would hold it: plain JSON data."""
    data: dict[str, Any] = json.loads(env.model_dump_json())
    return data


def test_samples_when_compared_to_registry_then_every_event_type_has_one() -> None:
    assert sorted(SAMPLES) == production_event_types()


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_json_round_trip_when_event_is_valid_then_envelope_is_unchanged(event_type: str) -> None:
    original = envelope(SAMPLES[event_type], stream_id="s-1", version=3)

    restored = Envelope.model_validate_json(original.model_dump_json())

    assert restored == original
    assert type(restored.payload) is type(original.payload)
    assert restored.model_dump_json() == original.model_dump_json()


def test_json_round_trip_when_price_has_paise_then_decimal_text_is_exact() -> None:
    original = envelope(bar("1523.45", "1530.00", "1520.05", "1528.90"))

    restored = Envelope.model_validate_json(original.model_dump_json())

    assert isinstance(restored.payload, BarClosed)
    assert str(restored.payload.open) == "1523.45"
    assert str(restored.payload.high) == "1530.00"
    assert restored.payload.open == D("1523.45")


def test_json_round_trip_when_time_is_ist_then_instant_and_offset_are_kept() -> None:
    at = datetime(2025, 1, 6, 9, 30, 15, 123456, tzinfo=IST)
    original = envelope(AccountOpened(account_id="acc-1", name="Asha"), at=at)

    restored = Envelope.model_validate_json(original.model_dump_json())

    assert restored.occurred_at == T0 + timedelta(seconds=15, microseconds=123456)
    assert restored.occurred_at.utcoffset() == timedelta(hours=5, minutes=30)
    assert restored.recorded_at == at


def test_decode_when_envelope_has_unknown_field_then_rejected() -> None:
    data = stored(envelope(CardExpired(card_id="card-1", account_id="acc-1")))
    data["priority"] = "high"

    with pytest.raises(ValidationError, match="priority"):
        Envelope.model_validate(data)


def test_decode_when_payload_has_unknown_field_then_rejected() -> None:
    data = stored(envelope(CashDeposited(account_id="acc-1", amount=D("10"), reference="r")))
    data["payload"]["currency"] = "USD"

    with pytest.raises(ValidationError, match="currency"):
        Envelope.model_validate(data)


@pytest.mark.parametrize("bad", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_bar_closed_when_open_is_not_finite_then_rejected(bad: str) -> None:
    with pytest.raises(ValidationError, match="open"):
        bar(bad, "1530.00", "1520.05", "1528.90")


@pytest.mark.parametrize("bad", ["NaN", "Infinity"])
def test_decode_when_stored_price_is_not_finite_then_rejected(bad: str) -> None:
    data = stored(envelope(bar("1523.45", "1530.00", "1520.05", "1528.90")))
    data["payload"]["close"] = bad

    with pytest.raises(ValidationError):
        Envelope.model_validate(data)


@pytest.mark.parametrize("quantity", [-5, 0])
def test_order_filled_when_quantity_is_not_positive_then_rejected(quantity: int) -> None:
    with pytest.raises(ValidationError, match="quantity"):
        fill(Leg.ENTRY, "500.00", quantity=quantity)


def test_cash_deposited_when_amount_is_negative_then_rejected() -> None:
    with pytest.raises(ValidationError, match="amount"):
        CashDeposited(account_id="acc-1", amount=D("-100.00"), reference="neft-1")


def test_envelope_when_occurred_at_is_naive_then_rejected() -> None:
    payload = AccountOpened(account_id="acc-1", name="Asha")

    with pytest.raises(ValidationError, match="occurred_at"):
        envelope(payload, occurred_at=datetime(2025, 1, 6, 9, 30))


def test_bar_closed_when_start_is_naive_then_rejected() -> None:
    with pytest.raises(ValidationError, match="start"):
        bar("500", "501", "499", "500", start=datetime(2025, 1, 6, 9, 30))


def test_envelope_when_type_names_another_payload_then_rejected() -> None:
    payload = CashDeposited(account_id="acc-1", amount=D("10"), reference="r")

    with pytest.raises(ValidationError, match="does not match"):
        envelope(payload, type="CashReserved")


def test_envelope_when_schema_version_disagrees_with_payload_then_rejected() -> None:
    # Accepted, such an envelope is stored but can never be read back ("newer than this code").
    payload = CardExpired(card_id="card-1", account_id="acc-1")

    with pytest.raises(ValidationError, match="schema_version"):
        envelope(payload, schema_version=payload.schema_version + 1)


def test_decode_when_stored_type_disagrees_with_payload_fields_then_rejected() -> None:
    data = stored(envelope(CashDeposited(account_id="acc-1", amount=D("10"), reference="r")))
    data["type"] = "CashReserved"

    with pytest.raises(ValidationError):
        Envelope.model_validate(data)


def test_decode_when_event_type_is_unknown_then_rejected() -> None:
    data = stored(envelope(CardExpired(card_id="card-1", account_id="acc-1")))
    data["type"] = "CardTeleported"

    with pytest.raises(ValidationError, match="unknown event type"):
        Envelope.model_validate(data)


def test_envelope_when_stream_version_is_zero_then_rejected() -> None:
    with pytest.raises(ValidationError, match="stream_version"):
        envelope(CardExpired(card_id="card-1", account_id="acc-1"), version=0)
