"""How an operator's words become mandate values: rupees, percentages, sectors, keywords.

Each reader returns the value or an `Invalid` carrying the reason; none raises on bad text.
Rupees may be written "25000", "25,000", "₹25,00,000", "2.5 lakh", "1 crore" or "40k".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import ValidationError

from domain.money import PAISA, ZERO
from domain.values import Horizon, Mandate, Objective

E = TypeVar("E", Objective, Horizon)


@dataclass(frozen=True)
class Invalid:
    """Why an answer could not be read."""

    reason: str


_NUMBER = r"\d+(?:,\d{2,3})*(?:\.\d+)?"
_UNITS = {
    "crore": Decimal(10_000_000), "crores": Decimal(10_000_000), "cr": Decimal(10_000_000),
    "lakh": Decimal(100_000), "lakhs": Decimal(100_000), "lac": Decimal(100_000),
    "lacs": Decimal(100_000), "l": Decimal(100_000),
    "thousand": Decimal(1000), "k": Decimal(1000),
}
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
# An amount somewhere in a sentence: optional currency mark, digits, optional unit word.
MONEY_PATTERN = re.compile(
    rf"(?:₹|\brs\.?|\binr)?\s*(?<![\d.,])(?P<num>{_NUMBER})\s*(?P<unit>(?:{_UNIT})\b)?",
    re.IGNORECASE,
)
# ₹10 lakh crore: far above any account, far below where 28-digit decimals lose paise.
MAX_RUPEES = Decimal(10_000_000_000_000)
_PERCENT = re.compile(r"^(?P<num>\d+(?:\.\d+)?|\.\d+)\s*(?:%|percent|pc)?$", re.IGNORECASE)
_TRUE = {"true", "yes", "y", "on", "1", "auto", "automatic"}
_FALSE = {"false", "no", "n", "off", "0", "manual"}


def rupees(match: re.Match[str]) -> Decimal | Invalid:
    """The amount a `MONEY_PATTERN` match spells, to the paisa."""
    try:
        number = Decimal(match["num"].replace(",", ""))
    except InvalidOperation:
        return Invalid(f"{match[0].strip()!r} is not a number")
    unit = (match["unit"] or "").lower()
    amount = number * _UNITS.get(unit, Decimal(1))
    if amount > MAX_RUPEES:  # beyond it, paisa arithmetic would run out of digits
        return Invalid(f"{match[0].strip()!r} is more than this desk handles "
                       f"(at most {format_inr(MAX_RUPEES)})")
    if amount != amount.quantize(PAISA, rounding=ROUND_HALF_UP):
        return Invalid(f"{match[0].strip()!r} has fractions of a paisa")
    return amount.quantize(PAISA)


def parse_money(text: str) -> Decimal | Invalid:
    """A whole answer read as rupees: "25,000", "₹25000", "2.5 lakh", "1 crore"."""
    cleaned = re.sub(r"\b(?:rupees|rupee|rs|inr)\b\.?", "", text.strip(), flags=re.I).strip()
    match = MONEY_PATTERN.fullmatch(cleaned)
    if match is None:
        return Invalid(f"{text.strip()!r} is not an amount in rupees")
    return rupees(match)


def parse_percent(text: str) -> Decimal | Invalid:
    """A whole answer read as a percentage: "8", "8%", "1.5 percent"."""
    match = _PERCENT.fullmatch(text.strip())
    if match is None:
        return Invalid(f"{text.strip()!r} is not a percentage")
    return Decimal(match["num"])


def parse_flag(text: str) -> bool | Invalid:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return Invalid(f"{text.strip()!r} is not yes/no (true/false)")


def match_keywords(text: str, groups: Mapping[E, str], what: str) -> E | Invalid:
    """The one choice whose keyword pattern `text` mentions (an enum name always counts)."""
    cleaned = text.strip().lower()
    for choice in groups:
        if cleaned == choice.value.lower():
            return choice
    hits = [c for c, pattern in groups.items() if re.search(pattern, cleaned)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        named = " and ".join(c.value for c in hits)
        return Invalid(f"{text.strip()!r} reads as both {named}: pick one {what}")
    return Invalid(f"{text.strip()!r} is not a {what} this desk knows")


GOAL_WORDS: dict[Objective, str] = {
    Objective.MAX_PROFIT: r"\b(?:growth|grow|max(?:imum|imise|imize)?[ _-]?profits?|profit|"
                          r"aggressive|wealth)\b",
    Objective.BALANCED: r"\b(?:balanced?|moderate|middle)\b",
    Objective.RISK_MINIMIZED: r"\b(?:protect\w*|preserv\w*|safe\w*|conservative|income|"
                              r"risk[ _-]?minimi[sz]ed?|minimi[sz]e risk|low risk|capital)\b",
}
HORIZON_WORDS: dict[Horizon, str] = {
    Horizon.INTRADAY: r"\b(?:intra[ -]?day|day[ -]?trad\w*|same[ -]day|mis)\b",
    Horizon.SWING: r"\b(?:swing|days|weeks?|short)\b",
    Horizon.POSITIONAL: r"\b(?:positional|months?|years?|long|delivery)\b",
}


def _sector_key(name: str) -> str:
    return " ".join(name.lower().replace("&", " and ").split())


def _initials(name: str) -> str:
    return "".join(w[0] for w in _sector_key(name).split() if w != "and")


def resolve_sector(name: str, known: tuple[str, ...]) -> str | Invalid:
    """A known sector from its name, any case, its initials ("IT") or a unique prefix."""
    key = _sector_key(name)
    exact = [s for s in known if _sector_key(s) == key]
    if exact:
        return exact[0]
    initials = [s for s in known if _initials(s) == key.replace(" ", "")]
    prefixed = [s for s in known if len(key) >= 3 and _sector_key(s).startswith(key)]
    candidates = initials or prefixed
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        return Invalid(f"sector {name.strip()!r} could be {' or '.join(candidates)}")
    return Invalid(f"unknown sector {name.strip()!r}; known sectors: {', '.join(known)}")


def parse_sector_list(text: str, known: tuple[str, ...]) -> tuple[str, ...] | Invalid:
    """Comma-separated sector names, each resolved against `known` ("none" is empty)."""
    if text.strip().lower() in ("", "none", "-", "any", "all"):
        return ()
    names = [n for n in (part.strip() for part in re.split(r"[,;]", text)) if n]
    resolved: list[str] = []
    for name in names:
        sector = resolve_sector(name, known)
        if isinstance(sector, Invalid):
            return sector
        if sector not in resolved:
            resolved.append(sector)
    return tuple(resolved)


def check_sectors(allowed: tuple[str, ...], banned: tuple[str, ...]) -> Invalid | None:
    both = [s for s in allowed if s in banned]
    if both:
        return Invalid(f"{', '.join(both)} cannot be both preferred and avoided")
    return None


def check_risk(risk_per_trade: Decimal, max_position: Decimal) -> Invalid | None:
    """Bounds of the two risk percentages and the rule tying them."""
    if not ZERO < risk_per_trade <= 10:
        return Invalid(f"risk per trade must be more than 0% and at most 10% "
                       f"(got {risk_per_trade}%)")
    if not ZERO < max_position <= 100:
        return Invalid(f"max position must be more than 0% and at most 100% "
                       f"(got {max_position}%)")
    if max_position < risk_per_trade:
        return Invalid(f"max position ({max_position}%) must be at least the risk per trade "
                       f"({risk_per_trade}%)")
    return None


def format_inr(amount: Decimal) -> str:
    """Rupees in Indian grouping: ₹10,00,000 (paise shown only when there are any)."""
    value = amount.quantize(PAISA, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _, paise = f"{abs(value):.2f}".partition(".")
    head, tail = whole[:-3], whole[-3:]
    groups = [head[max(0, i - 2):i] for i in range(len(head), 0, -2)][::-1]
    grouped = ",".join([*groups, tail]) if head else tail
    return f"{sign}₹{grouped}" + ("" if paise == "00" else f".{paise}")


# Editing a mandate field by field (`desk account mandate ID --set key=value`). -----------

MANDATE_FIELDS = tuple(Mandate.model_fields)


def _setting_value(key: str, text: str, known: tuple[str, ...]) -> object | Invalid:
    if key == "objective":
        return match_keywords(text, GOAL_WORDS, "goal")
    if key == "horizon":
        return match_keywords(text, HORIZON_WORDS, "horizon")
    if key == "daily_loss_limit":
        return parse_money(text)
    if key in ("sectors_allowed", "sectors_banned"):
        return parse_sector_list(text, known)
    if key == "auto_approve":
        return parse_flag(text)
    return parse_percent(text)


def revise_mandate(
    mandate: Mandate, settings: Mapping[str, str], known_sectors: tuple[str, ...]
) -> Mandate | Invalid:
    """`mandate` with each `key=value` of `settings` applied and the whole re-validated."""
    fields: dict[str, Any] = mandate.model_dump()
    for key, text in settings.items():
        if key not in MANDATE_FIELDS:
            return Invalid(f"unknown mandate field {key!r}; fields: {', '.join(MANDATE_FIELDS)}")
        value = _setting_value(key, text, known_sectors)
        if isinstance(value, Invalid):
            return Invalid(f"{key}: {value.reason}")
        fields[key] = value
    problem = (check_risk(fields["risk_per_trade_pct"], fields["max_position_pct"])
               or check_sectors(fields["sectors_allowed"], fields["sectors_banned"]))
    if problem is not None:
        return problem
    try:
        return Mandate.model_validate(fields)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return Invalid(f"{where}: {first['msg']}")
