"""The intake conversation: answers read, bad ones re-asked with a reason, skips assumed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain import intake
from domain.aggregates import Account
from domain.events import AccountOpened, CashDeposited, MandateSet
from domain.funding import OnDate, OnDrawdown, Sip, Tranche
from domain.ids import account_stream
from domain.intake.parsers import (
    Invalid,
    format_inr,
    parse_money,
    parse_percent,
    revise_mandate,
)
from domain.values import Horizon, Mandate, Objective
from tests.unit.conftest import D, cause, mandate

SECTORS = (
    "Construction", "Construction Materials", "Fast Moving Consumer Goods", "Healthcare",
    "Information Technology", "Metals & Mining", "Power",
)
HAPPY = {
    "goal": "growth",
    "capital": "10 lakh now, then SIP 25,000 monthly",
    "risk": "1.5% per trade, 25% max position",
    "loss_limits": "₹25,000 a day and 8%",
    "horizon": "swing",
    "sectors": "prefer Healthcare, Power; avoid IT",
    "cash_buffer": "5",
    "approval": "auto",
}


def at(key: str, **answers: str) -> intake.Session:
    """A session whose questions before `key` are answered (from HAPPY unless overridden)."""
    session, _ = intake.start("acc-1", "Asha Rao", SECTORS)
    for question in intake.QUESTIONS:
        if question.key == key:
            return session
        session, reply = intake.answer(session, answers.get(question.key, HAPPY[question.key]))
        assert reply.step is not intake.Step.REASK, reply.reason
    raise AssertionError(f"no question {key}")


def take(key: str, text: str, **answers: str) -> tuple[intake.Session, intake.Reply]:
    """Answer question `key` with `text` after answering the ones before it."""
    return intake.answer(at(key, **answers), text)


def finished(**answers: str) -> intake.Session:
    session, reply = intake.answer_all(at("goal"), {**HAPPY, **answers})
    assert reply.step is intake.Step.CONFIRM, reply.reason
    return session


# Rupees and percentages ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "rupees"), [
    ("25000", "25000.00"),
    ("25,000", "25000.00"),
    ("₹25000", "25000.00"),
    ("₹25,00,000", "2500000.00"),
    ("Rs. 1,00,000.50", "100000.50"),
    ("2.5 lakh", "250000.00"),
    ("3 lakhs", "300000.00"),
    ("2.5L", "250000.00"),
    ("1 crore", "10000000.00"),
    ("1.25cr", "12500000.00"),
    ("40k", "40000.00"),
    ("25000 rupees", "25000.00"),
])
def test_parse_money_when_written_the_indian_way_then_exact_rupees(text: str, rupees: str) -> None:
    assert parse_money(text) == D(rupees)


@pytest.mark.parametrize("text", ["lots", "-5000", "100.555", "", "25,0000", "1e5", "5 lakh k"])
def test_parse_money_when_not_an_amount_then_invalid_with_the_text(text: str) -> None:
    result = parse_money(text)

    assert isinstance(result, Invalid)
    assert repr(text.strip()) in result.reason


@pytest.mark.parametrize(("text", "pct"), [("8", "8"), ("8%", "8"), ("1.5 percent", "1.5"),
                                           (".5", ".5"), (" 12.5 % ", "12.5")])
def test_parse_percent_when_a_number_with_or_without_sign_then_decimal(text: str, pct: str) -> None:
    assert parse_percent(text) == D(pct)


@pytest.mark.parametrize("text", ["eight", "8%%", "-1", "5 lakh"])
def test_parse_percent_when_not_a_percentage_then_invalid(text: str) -> None:
    assert isinstance(parse_percent(text), Invalid)


def test_format_inr_when_large_then_indian_grouping_and_paise_only_when_any() -> None:
    assert format_inr(D("2500000.00")) == "₹25,00,000"
    assert format_inr(D("100000.5")) == "₹1,00,000.50"
    assert format_inr(D("999")) == "₹999"
    assert format_inr(D("-12345678")) == "-₹1,23,45,678"


# Each question: good answers, bad answers, skipped answers -----------------------------

@pytest.mark.parametrize(("text", "goal"), [
    ("growth", Objective.MAX_PROFIT), ("Max profit", Objective.MAX_PROFIT),
    ("MAX_PROFIT", Objective.MAX_PROFIT), ("balanced", Objective.BALANCED),
    ("protect my capital", Objective.RISK_MINIMIZED), ("risk minimised", Objective.RISK_MINIMIZED),
])
def test_goal_when_answered_in_words_then_objective(text: str, goal: Objective) -> None:
    session, reply = take("goal", text)

    assert session.draft.objective is goal
    assert reply.step is intake.Step.ASK and reply.question and reply.question.key == "capital"


@pytest.mark.parametrize("text", ["banana", "balanced growth"])
def test_goal_when_unclear_then_reasked_with_the_choices(text: str) -> None:
    session, reply = take("goal", text)

    assert reply.step is intake.Step.REASK and reply.question and reply.question.key == "goal"
    assert "growth, balanced or protection" in reply.reason
    assert session.position == 0


def test_goal_when_skipped_then_balanced_and_the_assumption_stated() -> None:
    session, reply = take("goal", "   ")

    assert session.draft.objective is Objective.BALANCED
    assert reply.assumed == ("goal balanced (skipped)",)


@pytest.mark.parametrize(("text", "capital", "plan"), [
    ("10 lakh", "1000000.00", ""),
    ("₹25,00,000 lump sum", "2500000.00", ""),
    ("lump sum of 1 crore", "10000000.00", ""),
    ("5 lakh now, then SIP 25,000 monthly", "500000.00", "SIP 25,000 monthly"),
    ("2,00,000; tranche of 3 lakh if Nifty falls 10%", "200000.00",
     "tranche of 3 lakh if Nifty falls 10%"),
])
def test_capital_when_amount_leads_then_lump_sum_and_the_plan_as_stated(
    text: str, capital: str, plan: str
) -> None:
    session, reply = take("capital", text)

    assert reply.step is intake.Step.ASK
    assert session.draft.capital == D(capital)
    assert session.draft.funding_plan == plan


@pytest.mark.parametrize(("text", "sip", "tranches"), [
    ("2.5 lakh now, then SIP 25,000 on the 5th of each month for 24 months",
     Sip(amount=D("25000.00"), day_of_month=5, count=24), ()),
    ("2,00,000; tranche of 3 lakh if Nifty falls 10%", None,
     (Tranche(amount=D("300000.00"), release=OnDrawdown(index="NIFTY", drawdown_pct=D("10"))),)),
    ("1 lakh, SIP 10k x 6 and tranche of 2 lakh on 2027-04-01",
     Sip(amount=D("10000.00"), day_of_month=1, count=6),
     (Tranche(amount=D("200000.00"), release=OnDate(on=date(2027, 4, 1))),)),
])
def test_capital_when_a_plan_follows_then_its_sip_and_tranches_are_read(
    text: str, sip: Sip | None, tranches: tuple[Tranche, ...]
) -> None:
    session, reply = take("capital", text)

    assert reply.step is intake.Step.ASK
    assert (session.draft.funding.sip, session.draft.funding.tranches) == (sip, tranches)


def test_capital_when_the_plan_is_not_understood_then_reasked_naming_the_words() -> None:
    _, reply = take("capital", "5 lakh now, more when I feel like it")

    assert reply.step is intake.Step.REASK
    assert "funding plan 'more when I feel like it' is not understood" in reply.reason


@pytest.mark.parametrize(("text", "reason"), [
    ("lots", "capital must start with the amount deposited now"),
    ("SIP 25000 monthly", "capital must start with the amount deposited now"),
    ("0", "capital must be more than ₹0"),
    ("", "capital cannot be skipped"),
])
def test_capital_when_no_usable_amount_then_reasked_with_the_reason(text: str, reason: str) -> None:
    _, reply = take("capital", text)

    assert reply.step is intake.Step.REASK and reply.question and reply.question.key == "capital"
    assert reason in reply.reason


@pytest.mark.parametrize(("text", "risk", "position"), [
    ("low", "0.5", "10"), ("Medium", "1", "20"), ("high, I can take it", "1.5", "25"),
    ("1% per trade, 20% max position", "1", "20"), ("2 30", "2", "30"),
])
def test_risk_when_a_level_or_two_percentages_then_both_limits(
    text: str, risk: str, position: str
) -> None:
    session, _ = take("risk", text)

    assert (session.draft.risk_per_trade_pct, session.draft.max_position_pct) == (
        D(risk), D(position))


@pytest.mark.parametrize(("text", "reason"), [
    ("2% per trade, 1% max position", "max position (1%) must be at least the risk per trade (2%)"),
    ("12, 30", "risk per trade must be more than 0% and at most 10%"),
    ("1, 120", "max position must be more than 0% and at most 100%"),
    ("very", "risk tolerance must be low, medium or high"),
    ("1%", "risk tolerance must be low, medium or high"),
])
def test_risk_when_out_of_bounds_or_unclear_then_reasked_with_the_reason(
    text: str, reason: str
) -> None:
    _, reply = take("risk", text)

    assert reply.step is intake.Step.REASK and reason in reply.reason


@pytest.mark.parametrize(("goal", "risk", "position", "level"), [
    ("protection", "0.5", "10", "low"), ("growth", "1.5", "25", "high"),
])
def test_risk_when_skipped_then_the_level_follows_the_goal_and_is_stated(
    goal: str, risk: str, position: str, level: str
) -> None:
    session, reply = take("risk", "", goal=goal)

    assert (session.draft.risk_per_trade_pct, session.draft.max_position_pct) == (
        D(risk), D(position))
    assert reply.assumed[0].startswith(f"{level} risk tolerance")
    assert "(skipped; follows the" in reply.assumed[0]


@pytest.mark.parametrize(("text", "daily", "drawdown"), [
    ("25,000 a day and 8%", "25000.00", "8"),
    ("₹2.5 lakh per day, 10 percent overall", "250000.00", "10"),
    ("40k / 12.5%", "40000.00", "12.5"),
])
def test_loss_limits_when_both_given_then_daily_rupees_and_drawdown_percent(
    text: str, daily: str, drawdown: str
) -> None:
    session, reply = take("loss_limits", text)

    assert (session.draft.daily_loss_limit, session.draft.max_drawdown_pct) == (
        D(daily), D(drawdown))
    assert reply.assumed == ()


def test_loss_limits_when_only_the_daily_amount_given_then_drawdown_assumed() -> None:
    session, reply = take("loss_limits", "30000")

    assert session.draft.max_drawdown_pct == D("10")
    assert reply.assumed == ("overall drawdown limit 10% (not given)",)


def test_loss_limits_when_skipped_then_two_percent_of_capital_and_ten_percent_assumed() -> None:
    session, reply = take("loss_limits", "")

    assert (session.draft.daily_loss_limit, session.draft.max_drawdown_pct) == (
        D("20000"), D("10"))
    assert reply.assumed == ("daily loss limit ₹20,000 (2% of capital) and overall drawdown "
                             "limit 10% (skipped)",)


@pytest.mark.parametrize(("text", "reason"), [
    ("0 a day and 8%", "daily loss must be a positive amount in rupees, e.g. 25000"),
    ("20 lakh a day and 8%", "daily loss ₹20,00,000 cannot exceed the capital ₹10,00,000"),
    ("25000 and 150%", "overall drawdown must be more than 0% and at most 100%"),
    ("25000, 8", "give the most the account may lose in a day"),
    ("lots", "give the most the account may lose in a day"),
    ("5% and 8%", "give the most the account may lose in a day"),
])
def test_loss_limits_when_bad_or_beyond_capital_then_reasked_with_the_reason(
    text: str, reason: str
) -> None:
    session, reply = take("loss_limits", text)

    assert reply.step is intake.Step.REASK and reply.question
    assert reply.question.key == "loss_limits" and reason in reply.reason
    assert session.draft.daily_loss_limit is None


@pytest.mark.parametrize(("text", "horizon"), [
    ("intraday", Horizon.INTRADAY), ("day trading", Horizon.INTRADAY),
    ("a few weeks", Horizon.SWING), ("positional", Horizon.POSITIONAL),
    ("months", Horizon.POSITIONAL),
])
def test_horizon_when_answered_in_words_then_horizon(text: str, horizon: Horizon) -> None:
    session, _ = take("horizon", text)

    assert session.draft.horizon is horizon


def test_horizon_when_unknown_then_reasked_and_when_skipped_then_swing_assumed() -> None:
    _, bad = take("horizon", "forever")
    session, skipped = take("horizon", "")

    assert bad.step is intake.Step.REASK and "intraday, swing or positional" in bad.reason
    assert session.draft.horizon is Horizon.SWING
    assert skipped.assumed == ("horizon swing (skipped)",)


@pytest.mark.parametrize(("text", "allowed", "banned"), [
    ("prefer Healthcare, Power; avoid IT", ("Healthcare", "Power"), ("Information Technology",)),
    ("avoid fmcg", (), ("Fast Moving Consumer Goods",)),
    ("only healthcare", ("Healthcare",), ()),
    ("prefer metals and mining, avoid information technology", ("Metals & Mining",),
     ("Information Technology",)),
    ("avoid metals", (), ("Metals & Mining",)),
    ("none", (), ()),
])
def test_sectors_when_known_names_initials_or_prefixes_then_resolved(
    text: str, allowed: tuple[str, ...], banned: tuple[str, ...]
) -> None:
    session, reply = take("sectors", text)

    assert reply.step is intake.Step.ASK
    assert (session.draft.sectors_allowed, session.draft.sectors_banned) == (allowed, banned)


def test_sectors_when_a_name_is_unknown_then_reasked_with_the_known_list() -> None:
    _, reply = take("sectors", "prefer Healthcare; avoid Pharma")

    assert reply.step is intake.Step.REASK
    assert reply.reason == ("unknown sector 'Pharma'; known sectors: " + ", ".join(SECTORS))


@pytest.mark.parametrize(("text", "reason"), [
    ("prefer Power; avoid power", "Power cannot be both preferred and avoided"),
    ("Healthcare", "name sectors to prefer and to avoid"),
    ("avoid", "no sector named after 'avoid'"),
    ("avoid constr", "could be Construction or Construction Materials"),
])
def test_sectors_when_contradictory_or_unclear_then_reasked(text: str, reason: str) -> None:
    _, reply = take("sectors", text)

    assert reply.step is intake.Step.REASK and reason in reply.reason


def test_sectors_when_skipped_then_no_limits_and_the_assumption_stated() -> None:
    session, reply = take("sectors", "")

    assert (session.draft.sectors_allowed, session.draft.sectors_banned) == ((), ())
    assert reply.assumed == ("no sector preferences: every known sector may be traded (skipped)",)


@pytest.mark.parametrize(("text", "pct"), [("10", "10"), ("0", "0"), ("12.5%", "12.5")])
def test_cash_buffer_when_a_percentage_below_100_then_taken(text: str, pct: str) -> None:
    session, _ = take("cash_buffer", text)

    assert session.draft.cash_buffer_pct == D(pct)


@pytest.mark.parametrize("text", ["100", "ten", "-5"])
def test_cash_buffer_when_not_a_percentage_below_100_then_reasked(text: str) -> None:
    _, reply = take("cash_buffer", text)

    assert reply.step is intake.Step.REASK
    assert reply.reason.startswith("cash buffer must be a percentage of equity from 0")


def test_cash_buffer_when_skipped_then_ten_percent_assumed() -> None:
    session, reply = take("cash_buffer", "")

    assert session.draft.cash_buffer_pct == D("10")
    assert reply.assumed == ("cash buffer 10% (skipped)",)


@pytest.mark.parametrize(("text", "auto"), [
    ("manual", False), ("ask me", False), ("auto", True), ("auto within mandate", True),
    ("Automatically", True),
])
def test_approval_when_manual_or_auto_then_auto_approve(text: str, auto: bool) -> None:
    session, reply = take("approval", text)

    assert session.draft.auto_approve is auto
    assert reply.step is intake.Step.CONFIRM


def test_approval_when_unclear_then_reasked_and_when_skipped_then_manual_assumed() -> None:
    _, bad = take("approval", "sometimes")
    session, skipped = take("approval", "")

    assert bad.step is intake.Step.REASK and "answer manual or auto" in bad.reason
    assert session.draft.auto_approve is False
    assert skipped.assumed == ("manual approval: an operator approves every card (skipped)",)


# The whole conversation -----------------------------------------------------------------

def test_conversation_when_every_answer_is_good_then_confirm_gives_mandate_and_deposit() -> None:
    session, first = intake.start("acc-1", "Asha Rao", SECTORS)
    assert first.step is intake.Step.ASK and first.number == 1

    for key in intake.QUESTION_KEYS:
        session, reply = intake.answer(session, HAPPY[key])
    opening = intake.confirm(session)

    assert reply.step is intake.Step.CONFIRM
    assert opening.mandate == Mandate(
        objective=Objective.MAX_PROFIT, horizon=Horizon.SWING, risk_per_trade_pct=D("1.5"),
        max_position_pct=D("25"), daily_loss_limit=D("25000"), max_drawdown_pct=D("8"),
        cash_buffer_pct=D("5"), sectors_allowed=("Healthcare", "Power"),
        sectors_banned=("Information Technology",), auto_approve=True,
    )
    assert (opening.account_id, opening.name, opening.deposit) == ("acc-1", "Asha Rao",
                                                                   D("1000000.00"))
    assert opening.reason == (
        "opened by the intake conversation; assumed: SIP on the 1st of each month (day not "
        "given); SIP for 12 months (count not given); funding plan as stated: SIP 25,000 monthly")
    plan = opening.plan(date(2026, 11, 20))
    assert plan is not None and plan.plan_id == "acc-1/plan-1"
    assert plan.sip == Sip(amount=D("25000.00"), day_of_month=1, count=12)


def test_summary_when_complete_then_every_answer_in_words_and_the_plan_is_scheduled() -> None:
    reply = intake.reply_for(finished(cash_buffer=""))

    assert reply.step is intake.Step.CONFIRM
    assert "Capital: ₹10,00,000 deposited now" in reply.summary
    assert "Loss limits: ₹25,000 a day; 8% overall drawdown from the peak" in reply.summary
    assert "Sectors: only Healthcare, Power; never Information Technology" in reply.summary
    assert ("Funding plan: SIP ₹25,000 on day 1 of each month, 12 installments; each "
            "installment is credited once, on schedule (stated: 'SIP 25,000 monthly')"
            ) in reply.summary
    assert reply.summary[-1] == "Assumed: cash buffer 10% (skipped)"


def test_confirm_when_all_but_capital_skipped_then_every_assumption_is_in_the_reason() -> None:
    session, reply = intake.answer_all(at("goal"), {"capital": "10 lakh"})

    opening = intake.confirm(session)

    assert reply.step is intake.Step.CONFIRM
    assert len(opening.assumptions) == 7
    assert opening.mandate.cash_buffer_pct == D("10") and opening.mandate.auto_approve is False
    assert opening.reason.startswith("opened by the intake conversation; assumed: goal balanced")


def test_opening_when_applied_to_an_account_then_opened_mandate_v1_and_initial_deposit() -> None:
    opening = intake.confirm(finished())
    account = Account(account_stream(opening.account_id))

    account.open(opening.name, cause())
    account.set_mandate(opening.mandate, opening.reason, cause())
    account.deposit(opening.deposit, intake.INITIAL_DEPOSIT, cause())

    payloads = [e.payload for e in account.collect_events()]
    assert payloads == [
        AccountOpened(account_id="acc-1", name="Asha Rao"),
        MandateSet(account_id="acc-1", version=1, mandate=opening.mandate, reason=opening.reason),
        CashDeposited(account_id="acc-1", amount=D("1000000.00"), reference="initial-deposit"),
    ]


def test_conversation_when_run_twice_with_the_same_answers_then_identical() -> None:
    first, second = finished(), finished()

    assert first == second
    assert intake.confirm(first) == intake.confirm(second)
    assert intake.reply_for(first).summary == intake.reply_for(second).summary


def test_answer_all_when_an_answer_is_bad_then_stops_there_with_the_reason() -> None:
    session, reply = intake.answer_all(at("goal"), {**HAPPY, "loss_limits": "lots"})

    assert reply.step is intake.Step.REASK and reply.question
    assert (reply.question.key, reply.number) == ("loss_limits", 4)
    assert session.position == 3


def test_answer_all_when_a_key_is_not_a_question_then_intake_error_naming_it() -> None:
    with pytest.raises(intake.IntakeError, match="unknown question 'colour'"):
        intake.answer_all(at("goal"), {**HAPPY, "colour": "blue"})


def test_answer_when_the_conversation_is_complete_then_intake_error() -> None:
    with pytest.raises(intake.IntakeError, match="every question is answered"):
        intake.answer(finished(), "more")


def test_confirm_when_questions_remain_then_intake_error() -> None:
    with pytest.raises(intake.IntakeError, match="question 4 of 8 is still unanswered"):
        intake.confirm(at("loss_limits"))


@pytest.mark.parametrize(("account_id", "name"), [("", "Asha"), ("has space", "Asha"),
                                                  ("acc-1", "  ")])
def test_start_when_id_or_name_unusable_then_intake_error(account_id: str, name: str) -> None:
    with pytest.raises(intake.IntakeError):
        intake.start(account_id, name, SECTORS)


# Mandate revisions ---------------------------------------------------------------------

def test_revise_mandate_when_fields_set_as_text_then_new_mandate() -> None:
    revised = revise_mandate(
        mandate(), {"daily_loss_limit": "2.5 lakh", "sectors_banned": "IT, Power",
                    "auto_approve": "yes", "horizon": "positional"}, SECTORS)

    assert isinstance(revised, Mandate)
    assert revised.daily_loss_limit == D("250000.00")
    assert revised.sectors_banned == ("Information Technology", "Power")
    assert revised.auto_approve is True and revised.horizon is Horizon.POSITIONAL
    assert revised.risk_per_trade_pct == mandate().risk_per_trade_pct


@pytest.mark.parametrize(("settings", "reason"), [
    ({"max_position_pct": "0.5"}, "max position (0.5%) must be at least the risk per trade (1%)"),
    ({"colour": "red"}, "unknown mandate field 'colour'"),
    ({"daily_loss_limit": "lots"}, "daily_loss_limit: 'lots' is not an amount in rupees"),
    ({"sectors_allowed": "Pharma"}, "sectors_allowed: unknown sector 'Pharma'"),
    ({"cash_buffer_pct": "150"}, "cash_buffer_pct: Input should be less than or equal to 100"),
])
def test_revise_mandate_when_a_setting_is_bad_then_invalid_with_the_reason(
    settings: dict[str, str], reason: str
) -> None:
    revised = revise_mandate(mandate(), settings, SECTORS)

    assert isinstance(revised, Invalid)
    assert reason in revised.reason


def test_money_answers_when_read_then_decimal_never_float() -> None:
    opening = intake.confirm(finished(loss_limits="2.5 lakh a day and 8%"))

    assert isinstance(opening.deposit, Decimal)
    assert opening.mandate.daily_loss_limit == D("250000.00")
