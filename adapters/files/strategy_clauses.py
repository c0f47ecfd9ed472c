"""Clauses of a bar strategy as the operator writes them, checked and read into
`domain.strategy.book.Clause`.

Two spellings are accepted:
  - a mapping:  `{feature: rsi_14, op: between, value: [58, 80]}`,
                `{feature: sma_10, op: crosses_above, value: sma_20}`
  - a sentence: `"sma_10 crosses_above sma_20"`, `"rsi_14 crosses_below 30"`, `"rsi_14 < 30"`
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from domain.feature_periods import PRICE_FEATURES, is_periodic
from domain.features import FEATURE_COLUMNS
from domain.strategy.book import CROSSINGS, Clause, Op
from domain.strategy.signals import DERIVED_FEATURES

# Clauses compare numbers; the regime is a label, checked by the strategy's `regimes`.
KNOWN_FEATURES = (frozenset(FEATURE_COLUMNS) - {"regime"}) | frozenset(DERIVED_FEATURES)
KNOWN_TEXT = "sma_N, ema_N, rsi_N, atr_N, close, " + ", ".join(sorted(KNOWN_FEATURES))


def known_feature(name: str) -> bool:
    """A feature a clause may name: the live set, a price, or any-period sma/ema/rsi/atr."""
    return name in KNOWN_FEATURES or name in PRICE_FEATURES or is_periodic(name)


class ClauseSpec(BaseModel):
    """One clause, from either spelling; the error says which part is wrong."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feature: str
    op: Op
    value: float | tuple[float, float] | str

    @model_validator(mode="before")
    @classmethod
    def _sentence(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        parts = data.split()
        if len(parts) != 3:
            raise ValueError(
                f"{data!r}: write `feature op value`, e.g. "
                "'sma_10 crosses_above sma_20' or 'rsi_14 < 30'"
            )
        feature, op, value = parts
        return {"feature": feature, "op": op, "value": _number_or_name(value)}

    @model_validator(mode="after")
    def _shape(self) -> ClauseSpec:
        for name in (self.feature, self.value):
            if isinstance(name, str) and not known_feature(name):
                raise ValueError(f"unknown feature {name!r}; known: {KNOWN_TEXT}")
        if isinstance(self.value, str) and self.op not in CROSSINGS:
            raise ValueError(
                f"{self.op.value} compares with a number; only crossings "
                "(crosses_above, crosses_below) compare two features"
            )
        if (self.op is Op.BETWEEN) != isinstance(self.value, tuple):
            raise ValueError(
                "between takes [low, high]; other ops take one number "
                "(or, for crossings, a feature)"
            )
        if isinstance(self.value, tuple) and self.value[0] > self.value[1]:
            raise ValueError(f"between [{self.value[0]}, {self.value[1]}]: low is above high")
        return self

    def to_domain(self) -> Clause:
        """The domain clause."""
        if isinstance(self.value, tuple):
            return Clause(self.feature, self.op, self.value[0], self.value[1])
        if isinstance(self.value, str):
            return Clause(self.feature, self.op, 0.0, against=self.value)
        return Clause(self.feature, self.op, self.value)


def _number_or_name(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text
