"""The eight intake questions: each one's prompt, how an answer is read, and its default.

A reader takes a non-empty answer and the draft so far and returns the next draft or an
`Invalid` with the reason (cross-field checks included: daily loss within capital, max
position at least the risk per trade). A default says what a skipped answer means and
states the assumption.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal

from domain.funding import FundingTerms
from domain.intake.funding_terms import read_funding
from domain.intake.parsers import (
    GOAL_WORDS,
    HORIZON_WORDS,
    MONEY_PATTERN,
    Invalid,
    check_risk,
    check_sectors,
    format_inr,
    match_keywords,
    parse_percent,
    parse_sector_list,
    rupees,
)
from domain.values import Horizon, Objective


@dataclass(frozen=True)
class Draft:
    """The mandate as far as the conversation has got."""

    objective: Objective | None = None
    capital: Decimal | None = None
    funding_plan: str = ""  # the operator's words for how the rest arrives
    funding: FundingTerms = field(default_factory=FundingTerms)
    risk_per_trade_pct: Decimal | None = None
    max_position_pct: Decimal | None = None
    daily_loss_limit: Decimal | None = None
    max_drawdown_pct: Decimal | None = None
    horizon: Horizon | None = None
    sectors_allowed: tuple[str, ...] = ()
    sectors_banned: tuple[str, ...] = ()
    cash_buffer_pct: Decimal | None = None
    auto_approve: bool | None = None


@dataclass(frozen=True)
class Parsed:
    """An answer taken: the draft it leads to and any assumptions made for missing parts."""

    draft: Draft
    assumed: tuple[str, ...] = ()


Reader = Callable[[str, Draft, tuple[str, ...]], Parsed | Invalid]
Default = Callable[[Draft], Parsed | Invalid]


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    read: Reader  # a non-empty answer, with the draft so far and the known sectors
    default: Default  # what a skipped (empty) answer means, or why it cannot be skipped


GOAL_LABELS = {
    Objective.MAX_PROFIT: "growth (max profit)",
    Objective.BALANCED: "balanced",
    Objective.RISK_MINIMIZED: "protection (risk minimised)",
}
HORIZON_LABELS = {
    Horizon.INTRADAY: "intraday (squared off the same day)",
    Horizon.SWING: "swing (days to weeks)",
    Horizon.POSITIONAL: "positional (weeks to months)",
}


# Readers and defaults, one pair per question. ------------------------------------------

def _read_goal(text: str, draft: Draft, known: tuple[str, ...]) -> Parsed | Invalid:
    goal = match_keywords(text, GOAL_WORDS, "goal")
    if isinstance(goal, Invalid):
        return Invalid(f"{goal.reason}: answer growth, balanced or protection")
    return Parsed(replace(draft, objective=goal))


def _default_goal(draft: Draft) -> Parsed:
    return Parsed(replace(draft, objective=Objective.BALANCED), ("goal balanced (skipped)",))


_LEADING_WORDS = re.compile(
    r"^\s*(?:(?:a\s+)?lump[\s-]*sum(?:\s+of)?|now|today|upfront|initially)?\s*[:\-]?\s*", re.I
)
_PLAN_JOINERS = re.compile(
    r"^\s*(?:rupees\b|rs\b\.?|inr\b)?\s*(?:now|today|upfront|(?:as\s+)?(?:a\s+)?lump[\s-]*sum)?"
    r"\s*[,;:+\-]*\s*(?:and then|then|plus|and|with)?\s*", re.I,
)
_CAPITAL_HELP = ("capital must start with the amount deposited now, in rupees, e.g. '10 lakh' "
                 "or '5,00,000 now, then SIP 25,000 monthly'")


def _read_capital(text: str, draft: Draft, known: tuple[str, ...]) -> Parsed | Invalid:
    lead = _LEADING_WORDS.match(text)
    body = text[lead.end():] if lead else text
    match = MONEY_PATTERN.match(body)
    if match is None:
        return Invalid(_CAPITAL_HELP)
    amount = rupees(match)
    if isinstance(amount, Invalid):
        return Invalid(f"{_CAPITAL_HELP} ({amount.reason})")
    if amount <= 0:
        return Invalid(f"capital must be more than ₹0, e.g. '10 lakh' (got {format_inr(amount)})")
    rest = body[match.end():]
    joiners = _PLAN_JOINERS.match(rest)
    plan = (rest[joiners.end():] if joiners else rest).strip(" ,;.")
    funding = read_funding(plan)
    if isinstance(funding, Invalid):
        return funding
    return Parsed(replace(draft, capital=amount, funding_plan=plan, funding=funding.terms),
                  funding.assumed)


def _default_capital(draft: Draft) -> Invalid:
    return Invalid(f"capital cannot be skipped: the account opens with it; {_CAPITAL_HELP}")


RISK_LEVELS: dict[str, tuple[Decimal, Decimal]] = {  # (risk per trade %, max position %)
    "low": (Decimal("0.5"), Decimal("10")),
    "medium": (Decimal("1"), Decimal("20")),
    "high": (Decimal("1.5"), Decimal("25")),
}
_RISK_WORDS = {
    "low": r"\b(?:low|conservative|cautious|careful)\b",
    "medium": r"\b(?:medium|moderate|average|mid)\b",
    "high": r"\b(?:high|aggressive)\b",
}
_GOAL_RISK = {Objective.RISK_MINIMIZED: "low", Objective.BALANCED: "medium",
              Objective.MAX_PROFIT: "high"}
_RISK_HELP = ("risk tolerance must be low, medium or high, or two percentages: risk per trade "
              "and max position, e.g. '1% per trade, 20% max position'")


def _with_risk(draft: Draft, risk: Decimal, position: Decimal) -> Draft:
    return replace(draft, risk_per_trade_pct=risk, max_position_pct=position)


def _read_risk(text: str, draft: Draft, known: tuple[str, ...]) -> Parsed | Invalid:
    numbers = re.findall(r"\d+(?:\.\d+)?|\.\d+", text)
    if numbers:
        if len(numbers) != 2:
            return Invalid(_RISK_HELP)
        risk, position = Decimal(numbers[0]), Decimal(numbers[1])
        problem = check_risk(risk, position)
        return problem or Parsed(_with_risk(draft, risk, position))
    levels = [level for level, words in _RISK_WORDS.items() if re.search(words, text, re.I)]
    if len(levels) != 1:
        return Invalid(_RISK_HELP)
    return Parsed(_with_risk(draft, *RISK_LEVELS[levels[0]]))


def _default_risk(draft: Draft) -> Parsed:
    goal = draft.objective or Objective.BALANCED
    level = _GOAL_RISK[goal]
    risk, position = RISK_LEVELS[level]
    assumed = (f"{level} risk tolerance: {risk}% per trade, {position}% max position "
               f"(skipped; follows the {GOAL_LABELS[goal]} goal)")
    return Parsed(_with_risk(draft, risk, position), (assumed,))


DEFAULT_DAILY_LOSS_PCT = Decimal("2")  # of capital, when no daily loss is given
DEFAULT_DRAWDOWN_PCT = Decimal("10")
_PERCENT_IN_TEXT = re.compile(r"(?<![\d.,])(\d+(?:\.\d+)?)\s*(?:%|percent\b)", re.I)
_LOSS_HELP = ("give the most the account may lose in a day, in rupees, and overall from its "
              "peak, in %, e.g. '25,000 a day and 8%'")


def _daily_default(capital: Decimal) -> Decimal:
    return (capital * DEFAULT_DAILY_LOSS_PCT / 100).quantize(Decimal("1"), rounding=ROUND_DOWN)


def _read_loss_limits(text: str, draft: Draft, known: tuple[str, ...]) -> Parsed | Invalid:
    assert draft.capital is not None, "capital is asked before the loss limits"
    percents = list(_PERCENT_IN_TEXT.finditer(text))
    if len(percents) > 1:
        return Invalid(_LOSS_HELP)
    rest, drawdown = text, None
    if percents:
        drawdown = Decimal(percents[0][1])
        rest = text[:percents[0].start()] + " " + text[percents[0].end():]
    amounts = list(MONEY_PATTERN.finditer(rest))
    daily: Decimal | Invalid | None = rupees(amounts[0]) if len(amounts) == 1 else None
    leftover = MONEY_PATTERN.sub(" ", rest, count=1) if daily is not None else rest
    if re.search(r"\d", leftover) or (daily is None and drawdown is None):
        return Invalid(_LOSS_HELP)
    if isinstance(daily, Invalid) or (daily is not None and daily <= 0):
        return Invalid("daily loss must be a positive amount in rupees, e.g. 25000")
    assumed: list[str] = []
    if daily is None:
        daily = _daily_default(draft.capital)
        assumed.append(f"daily loss limit {format_inr(daily)} "
                       f"({DEFAULT_DAILY_LOSS_PCT}% of capital; not given)")
    if drawdown is None:
        drawdown = DEFAULT_DRAWDOWN_PCT
        assumed.append(f"overall drawdown limit {drawdown}% (not given)")
    if daily > draft.capital:
        return Invalid(f"daily loss {format_inr(daily)} cannot exceed the capital "
                       f"{format_inr(draft.capital)}")
    if not 0 < drawdown <= 100:
        return Invalid(f"overall drawdown must be more than 0% and at most 100%, e.g. 8% "
                       f"(got {drawdown}%)")
    return Parsed(replace(draft, daily_loss_limit=daily, max_drawdown_pct=drawdown),
                  tuple(assumed))


def _default_loss_limits(draft: Draft) -> Parsed:
    assert draft.capital is not None, "capital is asked before the loss limits"
    daily = _daily_default(draft.capital)
    assumed = (f"daily loss limit {format_inr(daily)} ({DEFAULT_DAILY_LOSS_PCT}% of capital) "
               f"and overall drawdown limit {DEFAULT_DRAWDOWN_PCT}% (skipped)")
    return Parsed(replace(draft, daily_loss_limit=daily, max_drawdown_pct=DEFAULT_DRAWDOWN_PCT),
                  (assumed,))


def _read_horizon(text: str, draft: Draft, known: tuple[str, ...]) -> Parsed | Invalid:
    horizon = match_keywords(text, HORIZON_WORDS, "horizon")
    if isinstance(horizon, Invalid):
        return Invalid(f"{horizon.reason}: answer intraday, swing or positional")
    return Parsed(replace(draft, horizon=horizon))


def _default_horizon(draft: Draft) -> Parsed:
    return Parsed(replace(draft, horizon=Horizon.SWING), ("horizon swing (skipped)",))


_NO_SECTORS = {"none", "no", "any", "all", "-", "nothing", "no preference", "no preferences"}
_SECTOR_WORDS = re.compile(
    r"\b(prefer(?:red)?|only|allow(?:ed)?|include|avoid|ban(?:ned)?|exclude|excluding|no)\b\s*:?",
    re.I,
)
_SECTOR_HELP = ("name sectors to prefer and to avoid, e.g. 'prefer Healthcare, Power; avoid "
                "Information Technology', or 'none'")


def _read_sectors(text: str, draft: Draft, known: tuple[str, ...]) -> Parsed | Invalid:
    if text.strip().lower() in _NO_SECTORS:
        return Parsed(replace(draft, sectors_allowed=(), sectors_banned=()))
    before, *pairs = _SECTOR_WORDS.split(text)
    if before.strip(" ,;") or not pairs:
        return Invalid(_SECTOR_HELP)
    allowed: tuple[str, ...] = ()
    banned: tuple[str, ...] = ()
    for word, names in zip(pairs[::2], pairs[1::2], strict=True):
        sectors = parse_sector_list(names.strip(" ,;"), known)
        if isinstance(sectors, Invalid):
            return sectors
        if not sectors:
            return Invalid(f"no sector named after {word!r}; {_SECTOR_HELP}")
        avoid = word.lower() in ("avoid", "ban", "banned", "exclude", "excluding", "no")
        if avoid:
            banned += tuple(s for s in sectors if s not in banned)
        else:
            allowed += tuple(s for s in sectors if s not in allowed)
    problem = check_sectors(allowed, banned)
    return problem or Parsed(replace(draft, sectors_allowed=allowed, sectors_banned=banned))


def _default_sectors(draft: Draft) -> Parsed:
    return Parsed(replace(draft, sectors_allowed=(), sectors_banned=()),
                  ("no sector preferences: every known sector may be traded (skipped)",))


DEFAULT_CASH_BUFFER_PCT = Decimal("10")


def _read_cash_buffer(text: str, draft: Draft, known: tuple[str, ...]) -> Parsed | Invalid:
    buffer = parse_percent(text)
    if isinstance(buffer, Invalid) or not 0 <= buffer < 100:
        return Invalid("cash buffer must be a percentage of equity from 0 up to (not "
                       "including) 100, e.g. 10")
    return Parsed(replace(draft, cash_buffer_pct=buffer))


def _default_cash_buffer(draft: Draft) -> Parsed:
    return Parsed(replace(draft, cash_buffer_pct=DEFAULT_CASH_BUFFER_PCT),
                  (f"cash buffer {DEFAULT_CASH_BUFFER_PCT}% (skipped)",))


_MANUAL = re.compile(r"^(?:manual(?:ly)?|ask(?: me)?|review|i approve|operator)\b", re.I)
_AUTO = re.compile(r"^(?:auto(?:matic(?:ally)?)?|auto[ -]approve)\b", re.I)


def _read_approval(text: str, draft: Draft, known: tuple[str, ...]) -> Parsed | Invalid:
    if _MANUAL.match(text.strip()):
        return Parsed(replace(draft, auto_approve=False))
    if _AUTO.match(text.strip()):
        return Parsed(replace(draft, auto_approve=True))
    return Invalid(f"{text.strip()!r} is not an approval style: answer manual or auto")


def _default_approval(draft: Draft) -> Parsed:
    return Parsed(replace(draft, auto_approve=False),
                  ("manual approval: an operator approves every card (skipped)",))


QUESTIONS: tuple[Question, ...] = (
    Question("goal", "What is this account's goal: growth (max profit), balanced, or "
             "protection (risk minimised)?", _read_goal, _default_goal),
    Question("capital", "How much capital goes in now, and how does the rest arrive? "
             "e.g. '10 lakh', or '5 lakh now, then SIP 25,000 monthly'", _read_capital,
             _default_capital),
    Question("risk", "Risk tolerance: low, medium or high? Or give risk per trade % and max "
             "position %, e.g. '1% per trade, 20% max position'", _read_risk, _default_risk),
    Question("loss_limits", "The most the account may lose in a day (₹), and overall from its "
             "peak (%)? e.g. '25,000 a day and 8%'", _read_loss_limits, _default_loss_limits),
    Question("horizon", "Holding horizon: intraday, swing (days to weeks) or positional "
             "(weeks to months)?", _read_horizon, _default_horizon),
    Question("sectors", "Sectors to prefer or avoid? e.g. 'prefer Healthcare, Power; avoid "
             "Information Technology', or 'none'", _read_sectors, _default_sectors),
    Question("cash_buffer", "What % of equity stays as a cash buffer that is never "
             "allocated? e.g. 10", _read_cash_buffer, _default_cash_buffer),
    Question("approval", "Approval style: manual (an operator approves every card) or auto "
             "(cards within the mandate are approved automatically)?", _read_approval,
             _default_approval),
)
QUESTION_KEYS = tuple(q.key for q in QUESTIONS)
