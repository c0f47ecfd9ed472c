"""Features with any period, by name: `sma_N`, `ema_N`, `rsi_N`, `atr_N`, and `close`.

A strategy file may name any period (`sma_10 crosses_above sma_20`); the bulk columns here
use the same TA-Lib definitions and seeding as `domain.features` (its expressions with
another period), so `sma_20` from either module is the same number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import polars as pl

from domain.features import (
    _BY,
    _INDEX,
    _atr,
    _bar_index,
    _ema,
    _lagged,
    _rsi,
    _rsi_averages,
    _sma,
)

PERIODIC = re.compile(r"^(sma|ema|rsi|atr)_([1-9][0-9]{0,3})$")
PRICE_FEATURES = frozenset({"open", "high", "low", "close"})


def is_periodic(name: str) -> bool:
    """Whether `name` is a feature with a period this module computes (`ema_9`)."""
    return PERIODIC.match(name) is not None


def _rsi_column(period: int) -> pl.Expr:
    gain, loss = _rsi_averages(period)
    return _rsi(gain, loss)


_EXPRESSIONS: dict[str, Callable[[int], pl.Expr]] = {
    "sma": _sma,
    "ema": _ema,
    "atr": _atr,
    "rsi": _rsi_column,
}


def periodic_features(bars: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """`bars` sorted by `(symbol, ts)` with a float column per named periodic feature
    (price names are already columns); null through each feature's warm-up."""
    wanted = sorted({n for n in names if n not in PRICE_FEATURES})
    columns = []
    for name in wanted:
        match = PERIODIC.match(name)
        if match is None:
            raise ValueError(f"not a feature with a period: {name!r}")
        columns.append(_EXPRESSIONS[match[1]](int(match[2])).alias(name))
    return (
        bars.lazy()
        .with_columns(pl.col("open", "high", "low", "close").cast(pl.Float64))
        .sort([_BY, "ts"])
        .with_columns(_bar_index().alias(_INDEX))
        .with_columns(_lagged(pl.col("close"), 1).alias("_previous_close"))
        .with_columns(*columns)
        .drop(_INDEX, "_previous_close")
        .collect()
    )
