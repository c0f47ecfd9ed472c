"""The strategy book file (YAML) read into `domain.strategy.book` values.

Everything an operator can get wrong is checked here, and the error names the field:
`strategies.momentum.when.0.value: between takes [low, high]`.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adapters.files.calendar import load_calendar
from adapters.files.yaml_file import parse_yaml
from domain.features import FEATURE_COLUMNS, Regime
from domain.strategy.book import (
    AllocationPolicy,
    Clause,
    Direction,
    GuardrailPolicy,
    Kind,
    MetaLabelPolicy,
    ObjectivePolicy,
    Op,
    RankBy,
    Strategy,
    StrategyBook,
)
from domain.strategy.signals import DERIVED_FEATURES
from domain.values import Horizon, Objective

BOOK_PATH = Path(__file__).resolve().parents[2] / "data" / "playbooks" / "strategies.yaml"

Positive = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Minutes = Annotated[int, Field(gt=0, le=24 * 60)]
# Clauses compare numbers; the regime is a label, checked by the strategy's `regimes`.
KNOWN_FEATURES = (frozenset(FEATURE_COLUMNS) - {"regime"}) | frozenset(DERIVED_FEATURES)


class StrategyBookError(ValueError):
    """The strategy book cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Clause(_Strict):
    feature: str
    op: Op
    value: float | tuple[float, float]

    @model_validator(mode="after")
    def _shape(self) -> _Clause:
        if self.feature not in KNOWN_FEATURES:
            known = ", ".join(sorted(KNOWN_FEATURES))
            raise ValueError(f"unknown feature {self.feature!r}; known: {known}")
        if (self.op is Op.BETWEEN) != isinstance(self.value, tuple):
            raise ValueError("between takes [low, high]; > and < take one number")
        if isinstance(self.value, tuple) and self.value[0] > self.value[1]:
            raise ValueError(f"between [{self.value[0]}, {self.value[1]}]: low is above high")
        return self


class _Strategy(_Strict):
    kind: Kind
    direction: Direction
    score: Annotated[Decimal, Field(ge=0, le=1)]
    horizons: Annotated[tuple[Horizon, ...], Field(min_length=1)]
    horizon_bars: Annotated[int, Field(gt=0, le=5000)]
    stop_atr: Positive
    target_atr: Positive
    expiry_minutes: Minutes
    regimes: Annotated[tuple[Regime, ...], Field(min_length=1)]
    drift_sigma: Annotated[float, Field(ge=-3, le=3)]
    max_catalyst_age_minutes: Minutes
    category: str | None = None
    cooldown_bars: Annotated[int, Field(ge=0)] = 0
    when: tuple[_Clause, ...] = ()

    @model_validator(mode="after")
    def _by_kind(self) -> _Strategy:
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
    meta_label: _MetaLabel
    allocation: _Allocation
    guardrails: _Guardrails


def parse_strategy_book(text: str, source: str = "<text>") -> StrategyBook:
    """The strategy book from YAML text; `source` names it in errors."""
    return _to_domain(parse_yaml(text, source, _BookFile, StrategyBookError))


def load_strategy_book(path: Path = BOOK_PATH) -> StrategyBook:
    """The strategy book from a YAML file (by default data/playbooks/strategies.yaml), with
    the exchange's trading calendar (data/calendar)."""
    book = parse_strategy_book(path.read_text(encoding="utf-8"), str(path))
    return replace(book, calendar=load_calendar())


@cache
def default_book() -> StrategyBook:
    """The shipped book, read once per process."""
    return load_strategy_book()


def _clause(c: _Clause) -> Clause:
    if isinstance(c.value, tuple):
        return Clause(c.feature, c.op, c.value[0], c.value[1])
    return Clause(c.feature, c.op, c.value)


def _to_domain(parsed: _BookFile) -> StrategyBook:
    m, a, g = parsed.meta_label, parsed.allocation, parsed.guardrails
    return StrategyBook(
        version=parsed.version,
        strategies={
            name: Strategy(
                name, s.kind, s.direction, s.score, s.horizons, s.horizon_bars, s.stop_atr,
                s.target_atr, s.expiry_minutes, s.regimes, s.drift_sigma,
                s.max_catalyst_age_minutes, s.category, s.cooldown_bars,
                tuple(_clause(c) for c in s.when),
            )
            for name, s in parsed.strategies.items()
        },
        meta_label=MetaLabelPolicy(
            m.min_quality, m.min_edge_r, m.weights.regime, m.weights.liquidity,
            m.weights.timing, m.weights.hit_rate, m.full_liquidity_adv,
            m.hit_rate_prior.wins, m.hit_rate_prior.losses, m.hit_rate_window,
            m.cost_notional,
        ),
        allocation=AllocationPolicy(
            {o: ObjectivePolicy(p.rank_by, p.vol_target_pct, p.min_quality)
             for o, p in a.objectives.items()},
            a.kelly_fraction, a.card_ttl_minutes,
        ),
        guardrails=GuardrailPolicy(g.max_adv_participation_pct, g.max_sector_pct,
                                   g.results_blackout, g.min_bars_for_regime),
    )
