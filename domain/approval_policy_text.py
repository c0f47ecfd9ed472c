"""Approval policies as an operator types and reads them: `key=value` settings applied to
the policy in force (`desk account policy ID --set max_notional=200000`), and one line of
words saying what a policy does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from domain.approval_policy import (
    AUTO_NAME,
    MANUAL_NAME,
    ApprovalMode,
    ApprovalPolicy,
)

_NONE = ("", "none", "off", "any", "-")


def _optional(text: str) -> str | None:
    return None if text.strip().lower() in _NONE else text.strip()


def _listed(text: str) -> tuple[str, ...]:
    return tuple(p.strip().lower() for p in text.split(",") if p.strip().lower() not in _NONE)


def _flag(text: str) -> bool:
    return text.strip().lower() in ("yes", "true", "on", "1")


def _window(text: str) -> dict[str, Any]:
    value = _optional(text)
    if value is None:
        return {"window_start": None, "window_end": None}
    start, sep, end = value.partition("-")
    if not sep:
        raise ValueError("window: expected HH:MM-HH:MM (IST), e.g. 09:30-14:30, or none")
    return {"window_start": start.strip(), "window_end": end.strip()}


def _field(name: str, parse: Callable[[str], Any]) -> Callable[[str], dict[str, Any]]:
    return lambda text: {name: parse(text)}


# Setting key -> the policy fields it sets, from the operator's text.
SETTINGS: dict[str, Callable[[str], dict[str, Any]]] = {
    "name": _field("name", str.strip),
    "mode": _field("mode", lambda t: t.strip().lower()),
    "max_notional": _field("max_notional", _optional),
    "max_notional_pct": _field("max_notional_pct", _optional),
    "max_quantity": _field("max_quantity", _optional),
    "strategies": _field(
        "strategies",
        lambda t: tuple(p.strip() for p in t.split(",") if p.strip().lower() not in _NONE),
    ),
    "approve_on": _field("approve_verdicts", _listed),
    "window": _window,
    "reject_on": _field("reject_verdicts", _listed),
    "reject_above": _field("reject_above_notional", _optional),
    "reject_outside_window": _field("reject_outside_window", _flag),
}


def revise_policy(current: ApprovalPolicy, settings: Mapping[str, str]) -> ApprovalPolicy | str:
    """`current` with each setting applied and the whole re-validated; or what is wrong.
    Switching mode without naming the policy takes that mode's default name."""
    fields: dict[str, Any] = current.model_dump()
    for key, text in settings.items():
        if key not in SETTINGS:
            return f"unknown policy setting {key!r}; settings: {', '.join(SETTINGS)}"
        try:
            fields.update(SETTINGS[key](text))
        except ValueError as e:
            return str(e)
    if "mode" in settings and "name" not in settings and fields["mode"] != current.mode:
        fields["name"] = AUTO_NAME if fields["mode"] == ApprovalMode.AUTO else MANUAL_NAME
    try:
        return ApprovalPolicy.model_validate(fields)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "policy"
        return f"{where}: {first['msg']}"


Words = Callable[[ApprovalPolicy], str | None]

# What each set limit or rule reads as; None where the policy does not set it.
APPROVES_WHEN: tuple[Words, ...] = (
    lambda p: f"notional ≤ ₹{p.max_notional}" if p.max_notional else None,
    lambda p: f"notional ≤ {p.max_notional_pct}% of equity" if p.max_notional_pct else None,
    lambda p: f"quantity ≤ {p.max_quantity}" if p.max_quantity else None,
    lambda p: f"strategy in {', '.join(p.strategies)}" if p.strategies else None,
    lambda p: f"judge says {'/'.join(p.approve_verdicts)}" if p.approve_verdicts else None,
    lambda p: f"{p.window_start:%H:%M}-{p.window_end:%H:%M} IST" if p.window_start else None,
)
REJECTS_WHEN: tuple[Words, ...] = (
    lambda p: f"judge says {'/'.join(p.reject_verdicts)}" if p.reject_verdicts else None,
    lambda p: f"notional > ₹{p.reject_above_notional}" if p.reject_above_notional else None,
    lambda p: "outside the window" if p.reject_outside_window else None,
)


def describe(policy: ApprovalPolicy) -> str:
    """The policy in one line: what it approves, what it rejects, what it leaves."""
    if policy.mode is ApprovalMode.MANUAL:
        return f"{policy.name} (manual: an operator decides every card)"
    approve = [t for words in APPROVES_WHEN if (t := words(policy))]
    reject = [t for words in REJECTS_WHEN if (t := words(policy))]
    return (
        f"{policy.name} (auto: approves when guardrails pass and "
        f"{' and '.join(approve) or 'nothing more'}; rejects when "
        f"{' or '.join(reject) or 'never'}; otherwise an operator decides)"
    )
