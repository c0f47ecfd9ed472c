"""How an operator's words for "how the rest arrives" become funding terms.

Understood, in any order, joined by commas, 'then', 'and' or 'plus':
  - "SIP 25,000 monthly", "SIP 25,000 on the 5th of each month for 24 months", "SIP 10k x 6"
  - "tranche of 3 lakh if Nifty falls 10%" (from its high since the plan was set)
  - "tranche of 2 lakh on 2027-04-01"
A SIP without a day falls on the 1st, without a count runs 12 months; both are stated as
assumptions. Anything else is refused with the reason, so nothing is silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import ValidationError

from domain.funding import FundingTerms, OnDate, OnDrawdown, Sip, Tranche
from domain.intake.parsers import MONEY_PATTERN, Invalid, format_inr, rupees

DEFAULT_SIP_DAY = 1
DEFAULT_SIP_COUNT = 12
_MONEY = MONEY_PATTERN.pattern
_SIP = re.compile(
    rf"\bsips?\b(?:\s+of)?\s*(?P<money>{_MONEY})(?P<terms>(?:\s*(?:monthly|a month|per month|"
    r"every month|each month|on the \d{1,2}(?:st|nd|rd|th)?(?: day)?(?: of (?:each|every|the)"
    r" month)?|for \d+ (?:months|installments|instalments)|x\s*\d+|\d+ (?:installments|"
    r"instalments|times)))*)",
    re.I,
)
_TRANCHE = re.compile(
    rf"\btranches?\b(?:\s+of)?\s*(?P<money>{_MONEY})\s*(?:(?:on|from)\s+(?P<date>\d{{4}}-\d{{2}}"
    r"-\d{2})|(?:if|when)\s+(?:the\s+)?(?P<index>[a-z][a-z0-9 ]*?)\s+(?:falls|drops|declines|"
    r"corrects|is down)\s+(?:by\s+)?(?P<pct>\d+(?:\.\d+)?)\s*(?:%|percent)(?:\s+from\s+(?:its|"
    r"the)\s+(?:high|peak))?)",
    re.I,
)
_JOINERS = re.compile(r"[\s,;.+&]+|\b(?:and|then|plus|with|also)\b", re.I)
HELP = ("say how the rest arrives, e.g. 'SIP 25,000 on the 5th for 12 months', 'tranche of "
        "3 lakh if Nifty falls 10%' or 'tranche of 2 lakh on 2027-04-01'")


@dataclass(frozen=True)
class ReadTerms:
    terms: FundingTerms
    assumed: tuple[str, ...] = ()


def read_funding(text: str) -> ReadTerms | Invalid:
    """The funding terms `text` states (empty text: no plan beyond the lump sum)."""
    stated = text.strip()
    sips = list(_SIP.finditer(stated))
    tranches = list(_TRANCHE.finditer(stated))
    leftover = stated
    for m in sorted(sips + tranches, key=lambda m: -m.start()):
        leftover = leftover[:m.start()] + " " + leftover[m.end():]
    if _JOINERS.sub("", leftover):
        return Invalid(f"funding plan {_JOINERS.sub(' ', leftover).strip()!r} is not "
                       f"understood: {HELP}")
    if len(sips) > 1:
        return Invalid(f"one SIP per plan, got {len(sips)}: {HELP}")
    assumed: list[str] = []
    sip = _sip(sips[0], assumed) if sips else None
    if isinstance(sip, Invalid):
        return sip
    read = [_tranche(m) for m in tranches]
    bad = [t for t in read if isinstance(t, Invalid)]
    if bad:
        return bad[0]
    return ReadTerms(FundingTerms(sip=sip, tranches=tuple(t for t in read
                                                         if isinstance(t, Tranche)),
                                  stated=stated), tuple(assumed))


def _amount(m: re.Match[str]) -> Decimal | Invalid:
    inner = MONEY_PATTERN.match(m["money"])
    assert inner is not None, "the money group is MONEY_PATTERN itself"
    amount = rupees(inner)
    if isinstance(amount, Invalid) or amount <= 0:
        return Invalid(f"{m['money'].strip()!r} is not a positive amount in rupees: {HELP}")
    return amount


def _sip(m: re.Match[str], assumed: list[str]) -> Sip | Invalid:
    amount = _amount(m)
    if isinstance(amount, Invalid):
        return amount
    terms = m["terms"]
    day = re.search(r"on the (\d{1,2})", terms, re.I)
    count = re.search(r"(?:for|x)\s*(\d+)|(\d+) (?:installments|instalments|times)", terms, re.I)
    if day is None:
        assumed.append(f"SIP on the {DEFAULT_SIP_DAY}st of each month (day not given)")
    if count is None:
        assumed.append(f"SIP for {DEFAULT_SIP_COUNT} months (count not given)")
    try:
        return Sip(amount=amount, day_of_month=int(day[1]) if day else DEFAULT_SIP_DAY,
                   count=int(count[1] or count[2]) if count else DEFAULT_SIP_COUNT)
    except ValidationError:
        return Invalid("a SIP falls on day 1-31 of the month, 1 to 600 times")


def _tranche(m: re.Match[str]) -> Tranche | Invalid:
    amount = _amount(m)
    if isinstance(amount, Invalid):
        return amount
    try:
        if m["date"]:
            return Tranche(amount=amount, release=OnDate(on=date.fromisoformat(m["date"])))
        index = re.sub(r"[^A-Z0-9]", "", m["index"].upper())
        return Tranche(amount=amount, release=OnDrawdown(index=index,
                                                         drawdown_pct=Decimal(m["pct"])))
    except (ValueError, ValidationError):
        return Invalid(f"tranche {m[0]!r}: a date must be real (YYYY-MM-DD), an index a "
                       "symbol, and a fall more than 0% and under 100%")


def describe(terms: FundingTerms) -> str:
    """The terms in words, as a summary line says them."""
    parts = []
    if terms.sip is not None:
        s = terms.sip
        parts.append(f"SIP {format_inr(s.amount)} on day {s.day_of_month} of each month, "
                     f"{s.count} installments")
    for n, t in enumerate(terms.tranches, start=1):
        when = (f"on {t.release.on.isoformat()}" if isinstance(t.release, OnDate) else
                f"when {t.release.index} falls {t.release.drawdown_pct}% from its high")
        parts.append(f"tranche {n} of {format_inr(t.amount)} {when}")
    return "; ".join(parts) or "no further funding"
