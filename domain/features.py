"""Per-symbol bar features, computed in bulk for many symbols at once with polars.

Features are analytics on float64 prices: they rank and filter, they never settle money.
Money in events (prices on cards, fills, cash) stays `Decimal`.

Every feature is computed per symbol over bars sorted by `(symbol, ts)`; no window or
recursion crosses from one symbol into the next. A value whose window is not yet full
(the warm-up) is null. RSI, ATR, SMA and EMA follow TA-Lib's definitions and seeding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl

BAR_COLUMNS = ("symbol", "ts", "open", "high", "low", "close", "volume")
PRICE_COLUMNS = ("open", "high", "low", "close")

RETURN_LOOKBACKS = (1, 5, 20)
MOMENTUM_LOOKBACK = 10
SMA_PERIOD = 20
EMA_PERIOD = 20
ATR_PERIOD = 14
RSI_PERIOD = 14
REALISED_VOL_WINDOW = 20
VOLUME_Z_WINDOW = 20
TREND_SMA_PERIOD = 50

# The exchange's calendar day decides which bars open a session (for the opening gap).
SESSION_TIME_ZONE = "Asia/Kolkata"

# Regime thresholds, see `RegimeRule`.
HIGH_VOL_MULTIPLE = 1.5  # realised vol above 1.5x its own recent median is a volatility burst
VOL_MEDIAN_WINDOW = 100  # bars in that median: five realised-vol windows
TREND_DISTANCE = 0.02  # close at least 2% away from its 50-bar SMA ...
TREND_SLOPE_LOOKBACK = 10  # ... on the side the SMA has moved over the last 10 bars


class Regime(StrEnum):
    """The market state a bar is in; strategies and guardrails check compatibility."""

    HIGH_VOLATILITY = "high_volatility"
    TREND = "trend"
    RANGE = "range"


@dataclass(frozen=True)
class RegimeRule:
    """How a bar's regime is decided, first match wins.

    1. `high_volatility` when `realised_vol_20 > vol_multiple * median(realised_vol_20 over
       the last vol_median_window bars)`: volatility is high relative to the symbol's own
       recent history, whatever the bar size.
    2. `trend` when `|close / sma_50 - 1| > trend_distance` and the SMA agrees: it rose over
       the last `slope_lookback` bars with close above it, or fell with close below it.
    3. `range` otherwise.

    The label is null until both the realised-vol median and the SMA slope exist: the
    first 119 bars of each symbol with the defaults (20 + 100 - 1).
    """

    vol_multiple: float = HIGH_VOL_MULTIPLE
    vol_median_window: int = VOL_MEDIAN_WINDOW
    trend_distance: float = TREND_DISTANCE
    slope_lookback: int = TREND_SLOPE_LOOKBACK

    def __post_init__(self) -> None:
        if self.vol_multiple <= 0 or self.trend_distance <= 0:
            raise ValueError("vol_multiple and trend_distance must be positive")
        if self.vol_median_window < 1 or self.slope_lookback < 1:
            raise ValueError("vol_median_window and slope_lookback must be at least 1 bar")


DEFAULT_REGIME_RULE = RegimeRule()

FEATURE_COLUMNS = (
    *(f"return_{n}" for n in RETURN_LOOKBACKS),
    "log_return_1",
    f"momentum_{MOMENTUM_LOOKBACK}",
    f"sma_{SMA_PERIOD}",
    f"ema_{EMA_PERIOD}",
    f"sma_{TREND_SMA_PERIOD}",
    f"atr_{ATR_PERIOD}",
    f"realised_vol_{REALISED_VOL_WINDOW}",
    f"rsi_{RSI_PERIOD}",
    "gap",
    f"volume_zscore_{VOLUME_Z_WINDOW}",
    "regime",
)

_BY = "symbol"
_INDEX = "_bar_index"  # position of the bar within its symbol, 0 for the first

# Per-symbol without a group-by where that is exact: after sorting by (symbol, ts) each
# symbol's bars are one contiguous block, so a shift or a rolling median over the whole
# column, nulled where the window would reach back past the symbol's first bar, equals
# the per-symbol result bit for bit (both only copy or pick values). Rolling sums and the
# recursions (EMA, Wilder) run with `.over("symbol")`: over the whole column they would
# carry rounding residue from the previous symbol, and a symbol's features must not depend
# on which other symbols share the batch.


def compute_features(
    bars: pl.DataFrame,
    *,
    regime_rule: RegimeRule = DEFAULT_REGIME_RULE,
    session_time_zone: str = SESSION_TIME_ZONE,
) -> pl.DataFrame:
    """The bars sorted by `(symbol, ts)` with every column of `FEATURE_COLUMNS` added.

    `bars` needs `BAR_COLUMNS`, finite positive prices and no duplicate `(symbol, ts)`;
    prices (float or Decimal) are cast to float64, and feature columns already present
    are recomputed. `ts` may be a date (daily bars) or a datetime; an aware datetime is
    read in `session_time_zone` to find the session day, a naive one as exchange-local.
    """
    missing = [c for c in BAR_COLUMNS if c not in bars.columns]
    if missing:
        raise ValueError(f"bars lack column(s) {', '.join(missing)}")
    kept = [c for c in bars.columns if c not in FEATURE_COLUMNS]
    day = _session_day(bars.schema["ts"], session_time_zone)
    close = pl.col("close")
    previous_close = pl.col("_previous_close")
    frame = (
        bars.lazy()
        .select(kept)
        .with_columns(pl.col(PRICE_COLUMNS).cast(pl.Float64))
        .sort([_BY, "ts"])
        .with_columns(_bar_index().alias(_INDEX), day.alias("_day"))
        .with_columns(_lagged(close, 1).alias("_previous_close"))
        .with_columns(
            *(_simple_return(n).alias(f"return_{n}") for n in RETURN_LOOKBACKS),
            (close / previous_close).log().alias("log_return_1"),
            _simple_return(MOMENTUM_LOOKBACK).alias(f"momentum_{MOMENTUM_LOOKBACK}"),
            _sma(SMA_PERIOD).alias(f"sma_{SMA_PERIOD}"),
            _sma(TREND_SMA_PERIOD).alias(f"sma_{TREND_SMA_PERIOD}"),
            _ema(EMA_PERIOD).alias(f"ema_{EMA_PERIOD}"),
            _atr(ATR_PERIOD).alias(f"atr_{ATR_PERIOD}"),
            *_rsi_averages(RSI_PERIOD),
            _opening_gap().alias("gap"),
            _zscore(pl.col("volume").cast(pl.Float64), VOLUME_Z_WINDOW).alias(
                f"volume_zscore_{VOLUME_Z_WINDOW}"
            ),
        )
        .with_columns(
            pl.col("log_return_1")
            .rolling_std(REALISED_VOL_WINDOW, ddof=1)
            .over(_BY)
            .alias(f"realised_vol_{REALISED_VOL_WINDOW}"),
            _rsi(pl.col("_gain"), pl.col("_loss")).alias(f"rsi_{RSI_PERIOD}"),
        )
        .with_columns(*_regime_inputs(regime_rule))
        .with_columns(_regime(regime_rule).alias("regime"))
        .select(*kept, *FEATURE_COLUMNS)
    )
    return frame.collect()


def _session_day(ts_type: pl.DataType, time_zone: str) -> pl.Expr:
    ts = pl.col("ts")
    if isinstance(ts_type, pl.Date):
        return ts
    if isinstance(ts_type, pl.Datetime):
        if ts_type.time_zone is None:
            return ts.dt.date()
        return ts.dt.convert_time_zone(time_zone).dt.date()
    raise TypeError(f"bars.ts must be a Date or Datetime column, not {ts_type}")


def _bar_index() -> pl.Expr:
    """0, 1, 2, ... within each symbol's block of rows."""
    row = pl.int_range(pl.len())
    first_of_symbol = (pl.col(_BY) != pl.col(_BY).shift(1)).fill_null(True)
    return row - pl.when(first_of_symbol).then(row).forward_fill()


def _within(window_value: pl.Expr, first_index: int) -> pl.Expr:
    """The value from bar `first_index` of each symbol on; null before, where its window
    would reach into the previous symbol."""
    return pl.when(pl.col(_INDEX) >= first_index).then(window_value)


def _lagged(values: pl.Expr, lookback: int) -> pl.Expr:
    return _within(values.shift(lookback), lookback)


def _simple_return(lookback: int) -> pl.Expr:
    """close / close `lookback` bars earlier - 1."""
    return pl.col("close") / _lagged(pl.col("close"), lookback) - 1


def _sma(period: int) -> pl.Expr:
    return pl.col("close").rolling_mean(period).over(_BY)


def _seeded_ewm(values: pl.Expr, alpha: float, period: int, seed_index: int) -> pl.Expr:
    """`y = (1 - alpha) * y_prev + alpha * value` per symbol, from bar `seed_index` on,
    starting from the plain mean of the `period` values ending there; null before.

    That seed is how TA-Lib starts its EMA and Wilder averages.
    """
    index = pl.col(_INDEX)
    seeded = (
        pl.when(index == seed_index)
        .then(values.rolling_mean(period))
        .when(index > seed_index)
        .then(values)
    )
    return seeded.ewm_mean(alpha=alpha, adjust=False).over(_BY)


def _ema(period: int) -> pl.Expr:
    """TA-Lib EMA: k = 2 / (n + 1); first value at bar n - 1 = SMA of the first n closes."""
    return _seeded_ewm(pl.col("close"), 2 / (period + 1), period, period - 1)


def _atr(period: int) -> pl.Expr:
    """TA-Lib ATR: first value at bar n = mean of TR[1..n] (bar 0 has no previous close,
    so no TR), then Wilder: ATR_t = (ATR_{t-1} * (n - 1) + TR_t) / n."""
    previous = pl.col("_previous_close")
    true_range = pl.max_horizontal(pl.col("high"), previous) - pl.min_horizontal(
        pl.col("low"), previous
    )
    return _seeded_ewm(true_range, 1 / period, period, period)


def _rsi_averages(period: int) -> tuple[pl.Expr, pl.Expr]:
    """TA-Lib RSI's Wilder averages of gains and of losses, seeded at bar n with the plain
    means of the first n close-to-close changes."""
    change = pl.col("close") - pl.col("_previous_close")
    gain = _seeded_ewm(change.clip(lower_bound=0), 1 / period, period, period)
    loss = _seeded_ewm((-change).clip(lower_bound=0), 1 / period, period, period)
    return gain.alias("_gain"), loss.alias("_loss")


def _rsi(gain: pl.Expr, loss: pl.Expr) -> pl.Expr:
    """RSI = 100 * gain / (gain + loss), as TA-Lib.

    Where nothing has moved since the seed (gain + loss == 0) RSI is undefined and null;
    TA-Lib writes 0 there, which would read as "oversold" for a symbol that never traded.
    """
    total = gain + loss
    return pl.when(total > 0).then(100 * gain / total)


def _opening_gap() -> pl.Expr:
    """Session's first open / previous session's last close - 1, on every bar of the
    session (it is known from the session's first bar on); null in a symbol's first
    session. For daily bars every bar opens its session: open / previous close - 1."""
    day = pl.col("_day")
    first_of_session = (pl.col(_INDEX) == 0) | (day != day.shift(1))
    gap = pl.col("open") / pl.col("_previous_close") - 1
    # Each session's first bar holds its gap, or NaN in the symbol's first session, so
    # the fill never carries a gap past the next session's first bar; NaN becomes null.
    on_first_bar = pl.when(first_of_session).then(gap.fill_null(float("nan")))
    return on_first_bar.forward_fill().fill_nan(None)


def _zscore(values: pl.Expr, window: int) -> pl.Expr:
    """(value - mean) / sample std over the last `window` bars, this one included;
    null where the window has no spread."""
    mean = values.rolling_mean(window).over(_BY)
    std = values.rolling_std(window, ddof=1).over(_BY)
    return pl.when(std > 0).then((values - mean) / std)


def _regime_inputs(rule: RegimeRule) -> tuple[pl.Expr, pl.Expr]:
    """The realised vol's recent median and the trend SMA's change over the slope lookback."""
    vol = pl.col(f"realised_vol_{REALISED_VOL_WINDOW}")
    sma = pl.col(f"sma_{TREND_SMA_PERIOD}")
    # Nulls are filled only because polars' rolling median is several times slower on a
    # column with nulls; every window that would touch them is nulled by `_within`.
    vol_median = _within(
        vol.fill_null(0.0).rolling_median(rule.vol_median_window),
        REALISED_VOL_WINDOW + rule.vol_median_window - 1,
    )
    slope = sma - _lagged(sma, rule.slope_lookback)
    return vol_median.alias("_vol_median"), slope.alias("_slope")


def _regime(rule: RegimeRule) -> pl.Expr:
    vol = pl.col(f"realised_vol_{REALISED_VOL_WINDOW}")
    vol_median, slope = pl.col("_vol_median"), pl.col("_slope")
    distance = pl.col("close") / pl.col(f"sma_{TREND_SMA_PERIOD}") - 1
    trending = (distance.abs() > rule.trend_distance) & (distance.sign() == slope.sign())
    return (
        pl.when(vol_median.is_null() | slope.is_null())
        .then(None)
        .when(vol > rule.vol_multiple * vol_median)
        .then(pl.lit(Regime.HIGH_VOLATILITY.value))
        .when(trending)
        .then(pl.lit(Regime.TREND.value))
        .otherwise(pl.lit(Regime.RANGE.value))
    )
