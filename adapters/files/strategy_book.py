"""The strategy book file (YAML) read into `domain.strategy.book` values.

Everything an operator can get wrong is checked here, and the error names the field:
`strategies.momentum.when.0.value: between takes [low, high]`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from adapters.files.calendar import load_calendar
from adapters.files.strategy_clauses import ClauseSpec
from adapters.files.strategy_dca import DCA_DEFAULTS, check_dca, dca_plan
from adapters.files.yaml_file import parse_yaml
from domain.features import Regime
from domain.ids import strategy_version_id
from domain.strategy.book import (
    AllocationPolicy,
    Direction,
    GuardrailPolicy,
    Kind,
    MetaLabelPolicy,
    ObjectivePolicy,
    RankBy,
    Sizing,
    SizingRule,
    Strategy,
    StrategyBook,
)
from domain.strategy.schedule import EXPIRY_DAYS, Schedule, parse_window, valid_cron
from domain.values import Horizon, Objective, Symbol

BOOK_PATH = Path(__file__).resolve().parents[2] / "data" / "playbooks" / "strategies.yaml"

Positive = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Minutes = Annotated[int, Field(gt=0, le=24 * 60)]
# A strategy that exits by rule (`exit_when`) may leave out the event and meta-label
# fields; these stand in for them.
RULE_EXIT_DEFAULTS: dict[str, Any] = {
    "score": Decimal("0.5"), "horizons": tuple(Horizon), "horizon_bars": 1,
    "stop_atr": Decimal(1), "target_atr": Decimal(1), "expiry_minutes": 24 * 60,
    "regimes": tuple(Regime), "drift_sigma": 0.0, "max_catalyst_age_minutes": 24 * 60,
}


_LATER_FIELDS = ("windows", "skip", "schedule", "symbol", "amount")


class StrategyBookError(ValueError):
    """The strategy book cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sizing(_Strict):
    fixed_quantity: Annotated[int, Field(gt=0)] | None = None
    pct_equity: Annotated[Decimal, Field(gt=0, le=100)] | None = None

    @model_validator(mode="after")
    def _one(self) -> _Sizing:
        if (self.fixed_quantity is None) == (self.pct_equity is None):
            raise ValueError("give exactly one of fixed_quantity, pct_equity")
        return self

    def to_domain(self) -> Sizing:
        if self.fixed_quantity is not None:
            return Sizing(SizingRule.FIXED_QUANTITY, Decimal(self.fixed_quantity))
        assert self.pct_equity is not None
        return Sizing(SizingRule.PCT_EQUITY, self.pct_equity)


class _Strategy(_Strict):
    kind: Kind
    direction: Direction
    score: Annotated[Decimal, Field(ge=0, le=1)] | None = None
    horizons: Annotated[tuple[Horizon, ...], Field(min_length=1)] | None = None
    horizon_bars: Annotated[int, Field(gt=0, le=5000)] | None = None
    stop_atr: Positive | None = None
    target_atr: Positive | None = None
    expiry_minutes: Minutes | None = None
    regimes: Annotated[tuple[Regime, ...], Field(min_length=1)] | None = None
    drift_sigma: Annotated[float, Field(ge=-3, le=3)] | None = None
    max_catalyst_age_minutes: Minutes | None = None
    category: str | None = None
    cooldown_bars: Annotated[int, Field(ge=0)] = 0
    when: tuple[ClauseSpec, ...] = ()
    exit_when: tuple[ClauseSpec, ...] = ()
    sizing: _Sizing | None = None
    # Schedules (`domain.strategy.schedule`): entry windows in IST, days off, a cron.
    windows: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()  # `expiry_days` and/or ISO dates
    schedule: str | None = None
    # DCA (`kind: dca`): buy `amount` rupees of `symbol` at each time `schedule` falls due.
    symbol: Symbol | None = None
    amount: Positive | None = None

    @field_validator("windows")
    @classmethod
    def _windows(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(str(parse_window(w)) for w in value)

    @field_validator("skip", mode="before")
    @classmethod
    def _skip(cls, value: Any) -> Any:
        entries = tuple(str(e) for e in value or ())  # YAML reads 2026-11-26 as a date
        for entry in entries:
            if entry != EXPIRY_DAYS:
                date.fromisoformat(entry)  # a ValueError names the entry
        return entries

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else valid_cron(value)

    def to_schedule(self) -> Schedule:
        dates = frozenset(date.fromisoformat(e) for e in self.skip if e != EXPIRY_DAYS)
        return Schedule(tuple(parse_window(w) for w in self.windows), EXPIRY_DAYS in self.skip,
                        dates, self.schedule)

    @field_validator("kind", mode="before")
    @classmethod
    def _singular(cls, value: Any) -> Any:
        return "bars" if value == "bar" else value  # `kind: bar` reads as well as `bars`

    @model_validator(mode="after")
    def _by_kind(self) -> _Strategy:
        if self.kind is Kind.DCA:
            check_dca(self.direction, self.symbol, self.amount, self.schedule, self.horizons,
                      bool(self.when or self.exit_when or self.sizing))
            return self
        missing = [name for name in RULE_EXIT_DEFAULTS if getattr(self, name) is None]
        if missing and not self.exit_when:
            raise ValueError(f"missing {', '.join(missing)} (only a strategy that exits by "
                             "rule, with `exit_when`, may leave them out)")
        if self.kind is Kind.EVENT and not self.category:
            raise ValueError("an event playbook needs the tagger `category` it trades")
        if self.kind is Kind.BARS and not self.when:
            raise ValueError("a bar strategy needs `when` clauses")
        if self.kind is Kind.BARS and self.direction is Direction.FOLLOW_REACTION:
            raise ValueError("follow_reaction is for event playbooks")
        return self


class _Weights(_Strict):
    regime: Share
    liquidity: Share
    timing: Share
    hit_rate: Share

    @model_validator(mode="after")
    def _sum(self) -> _Weights:
        total = self.regime + self.liquidity + self.timing + self.hit_rate
        if abs(total - 1) > 1e-9:
            raise ValueError(f"weights must add up to 1, not {total:g}")
        return self


class _Prior(_Strict):
    wins: Annotated[int, Field(ge=0)]
    losses: Annotated[int, Field(ge=0)]


class _MetaLabel(_Strict):
    min_quality: Share
    min_edge_r: float
    weights: _Weights
    full_liquidity_adv: Positive
    hit_rate_prior: _Prior
    hit_rate_window: Annotated[int, Field(gt=0)]
    cost_notional: Positive


class _Objective(_Strict):
    rank_by: RankBy
    vol_target_pct: Annotated[Decimal, Field(gt=0, le=20)]
    min_quality: Share


class _Allocation(_Strict):
    objectives: dict[Objective, _Objective]
    kelly_fraction: Annotated[Decimal, Field(gt=0, le=1)]
    card_ttl_minutes: Minutes

    @model_validator(mode="after")
    def _every_objective(self) -> _Allocation:
        missing = [o.value for o in Objective if o not in self.objectives]
        if missing:
            raise ValueError(f"no policy for objective(s) {', '.join(missing)}")
        return self


class _Guardrails(_Strict):
    max_adv_participation_pct: Annotated[Decimal, Field(gt=0, le=100)]
    max_sector_pct: Annotated[Decimal, Field(gt=0, le=100)]
    results_blackout: bool
    min_bars_for_regime: Annotated[int, Field(ge=0)]


class _BookFile(_Strict):
    version: Annotated[str, Field(min_length=1, max_length=80)]
    strategies: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], _Strategy]
    # Left out (a backtest's strategy file), the shipped book's sections apply.
    meta_label: _MetaLabel | None = None
    allocation: _Allocation | None = None
    guardrails: _Guardrails | None = None


def parse_strategy_book(text: str, source: str = "<text>") -> StrategyBook:
    """The strategy book from YAML text; `source` names it in errors."""
    return _to_domain(parse_yaml(text, source, _BookFile, StrategyBookError))


@dataclass(frozen=True)
class StrategyDefinition:
    """One strategy of a file as it is published: canonical JSON and its sha256."""

    name: str
    definition: str
    sha256: str
    label: str  # the file's `version`

    @property
    def version_id(self) -> str:
        return strategy_version_id(self.name, self.sha256)


def strategy_definitions(text: str, source: str = "<text>") -> list[StrategyDefinition]:
    """Every strategy of a strategy file, validated by the book's own checks."""
    parsed = parse_yaml(text, source, _BookFile, StrategyBookError)
    return [_definition(name, s, parsed.version) for name, s in parsed.strategies.items()]


def parse_strategy_definition(name: str, definition: str, label: str,
                              source: str) -> Strategy:
    """A published definition (`StrategyDefinition.definition`) back as a domain strategy;
    the same checks apply, and errors name `source` and the field."""
    try:
        body = json.loads(definition)
    except json.JSONDecodeError as e:
        raise StrategyBookError(f"{source}: not a JSON definition: {e}") from None
    text = json.dumps({"version": label or "published", "strategies": {name: body}})
    parsed = parse_yaml(text, source, _BookFile, StrategyBookError)
    return _strategy(name, parsed.strategies[name])


def _definition(name: str, s: _Strategy, label: str) -> StrategyDefinition:
    body = s.model_dump(mode="json")
    # Fields added later are left out when unset, so earlier definitions keep their ids.
    for later in _LATER_FIELDS:
        if body.get(later) in (None, [], ()):
            body.pop(later, None)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return StrategyDefinition(name, canonical, digest, label)


def load_strategy_book(path: Path = BOOK_PATH) -> StrategyBook:
    """The strategy book from a YAML file (by default data/playbooks/strategies.yaml), with
    the exchange's trading calendar (data/calendar)."""
    book = parse_strategy_book(path.read_text(encoding="utf-8"), str(path))
    return replace(book, calendar=load_calendar())


@cache
def default_book() -> StrategyBook:
    """The shipped book, read once per process."""
    return load_strategy_book()


def _strategy(name: str, s: _Strategy) -> Strategy:
    given = {k: getattr(s, k) for k in RULE_EXIT_DEFAULTS}
    defaults = DCA_DEFAULTS if s.kind is Kind.DCA else RULE_EXIT_DEFAULTS
    f = {k: defaults[k] if v is None else v for k, v in given.items()}
    return Strategy(
        name, s.kind, s.direction, f["score"], f["horizons"], f["horizon_bars"],
        f["stop_atr"], f["target_atr"], f["expiry_minutes"], f["regimes"], f["drift_sigma"],
        f["max_catalyst_age_minutes"], s.category, s.cooldown_bars,
        tuple(c.to_domain() for c in s.when), tuple(c.to_domain() for c in s.exit_when),
        s.sizing.to_domain() if s.sizing else Sizing(), s.to_schedule(),
        dca=dca_plan(s.kind, s.symbol, s.amount),
        atr_bracket=not s.exit_when or s.stop_atr is not None or s.target_atr is not None,
    )


def _to_domain(parsed: _BookFile) -> StrategyBook:
    m, a, g = parsed.meta_label, parsed.allocation, parsed.guardrails
    if m is None or a is None or g is None:
        shipped = default_book()
    strategies = {name: _strategy(name, s) for name, s in parsed.strategies.items()}
    return StrategyBook(
        version=parsed.version,
        strategies=strategies,
        meta_label=shipped.meta_label if m is None else MetaLabelPolicy(
            m.min_quality, m.min_edge_r, m.weights.regime, m.weights.liquidity,
            m.weights.timing, m.weights.hit_rate, m.full_liquidity_adv,
            m.hit_rate_prior.wins, m.hit_rate_prior.losses, m.hit_rate_window,
            m.cost_notional,
        ),
        allocation=shipped.allocation if a is None else AllocationPolicy(
            {o: ObjectivePolicy(p.rank_by, p.vol_target_pct, p.min_quality)
             for o, p in a.objectives.items()},
            a.kelly_fraction, a.card_ttl_minutes,
        ),
        guardrails=shipped.guardrails if g is None else GuardrailPolicy(
            g.max_adv_participation_pct, g.max_sector_pct, g.results_blackout,
            g.min_bars_for_regime),
        version_ids={name: _definition(name, s, parsed.version).version_id
                     for name, s in parsed.strategies.items()},
    )
