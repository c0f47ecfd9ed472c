"""Generate the shipped sample data for one NSE trading day (Friday 2026-11-20).

What it models
--------------
* ``data/sample/instruments.csv`` -- 24 liquid NSE (Nifty 50) equities with ISIN,
  company name, NSE-style sector, lot size 1, the tick size given by the NSE
  price-band rule applied to the day's reference price (the previous close), and
  that previous close, and the 20-session average daily traded value (``adv_cr``,
  Rs crore; illustrative).
* ``data/sample/bars.csv`` -- 1-minute OHLCV bars for the continuous session,
  bar START times 09:15 .. 15:29 IST (375 bars per symbol), sorted by ts then
  symbol.  Each symbol opens with a gap against its previous close, then follows
  a random walk made of a shared market factor plus an idiosyncratic part
  (per-minute sd roughly 0.05-0.12 %, higher near the open and the close).
  Inside each minute a Brownian bridge from open to close gives high and low.
  Volume follows a U-shaped intraday profile (busy open and close) with noise.
  Every price is a whole number of ticks, written with two decimals.
* ``data/sample/news.jsonl`` -- exchange announcements (NSE) and wire/media news
  from 08:30 to 15:45 IST, sorted by ``published_at``.  All news text is
  fictional sample content; the wire names are made up.  Exactly three
  announcements are buybacks, and the bar paths of those three symbols after the
  announcement are shaped so that the desk's minimal buyback playbook gives known
  outcomes:

  - A  INFY        10:05:30  price rallies, the +3 % target is hit between 10:30
                             and 12:30 without the -1.5 % stop being near.
  - C  DRREDDY     11:02:10  price slides, the -1.5 % stop is hit 20-60 minutes
                             after the announcement (a loss).
  - B  BAJAJ-AUTO  13:31:00  price drifts up but stays well inside the stop and
                             target until 15:29; the position is open, in
                             profit, at the end of the day.

  Playbook (as checked by ``check_outcomes``): ref = close of the last bar whose
  end (ts + 1 min) is <= T; entry = open of the first bar whose start >= T;
  stop = ref x 0.985, target = ref x 1.03, both rounded to the tick; on each
  later bar the stop triggers if low <= stop, the target if high >= target, and
  the stop wins when both trigger in one bar.  The shaped paths keep a 0.3 %
  margin around both levels so small differences in rounding or slippage do not
  change the outcome.
* ``data/sample/accounts.json`` -- three paper-trading accounts, written verbatim.

Only the standard library is used; all randomness comes from ``random.Random``
instances seeded with fixed strings, and prices use only IEEE basic arithmetic
(no libm transcendental functions), so reruns give byte-identical files.

Run:  uv run python scripts/make_sample_day.py
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "data" / "sample"

SEED = "eventdesk-sample-2026-11-20"
IST = timezone(timedelta(hours=5, minutes=30))
DAY = (2026, 11, 20)
SESSION_OPEN = datetime(*DAY, 9, 15, tzinfo=IST)
N_BARS = 375  # 09:15 .. 15:29 bar starts
N_SUB = 6  # sub-steps per minute for the intrabar path
ONE_MIN = timedelta(minutes=1)

# Playbook constants (must match the desk's minimal buyback playbook).
STOP_MULT = Decimal("0.985")
TARGET_MULT = Decimal("1.03")
MARGIN = Decimal("0.003")  # 0.3 % safety margin used when shaping/checking
INTRADAY_SQUARE_OFF = (15, 15)


# --------------------------------------------------------------------------- #
# Instruments
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Instrument:
    symbol: str
    isin: str
    name: str
    sector: str
    prev_close: str  # a multiple of the tick size
    daily_volume: int  # typical shares traded in a day
    idio_sd_bp: float  # idiosyncratic per-minute sd, basis points
    beta: float


IT = "Information Technology"
FIN = "Financial Services"
OIL = "Oil Gas & Consumable Fuels"
FMCG = "Fast Moving Consumer Goods"
AUTO = "Automobile and Auto Components"
HEALTH = "Healthcare"
METALS = "Metals & Mining"

# fmt: off
INSTRUMENTS: list[Instrument] = [
    Instrument("RELIANCE", "INE002A01018", "Reliance Industries Limited", OIL,
               "1468.30", 9_500_000, 5.0, 1.05),
    Instrument("TCS", "INE467B01029", "Tata Consultancy Services Limited", IT,
               "3186.40", 2_400_000, 5.5, 0.80),
    Instrument("INFY", "INE009A01021", "Infosys Limited", IT,
               "1532.60", 6_800_000, 6.0, 0.90),
    Instrument("HDFCBANK", "INE040A01034", "HDFC Bank Limited", FIN,
               "978.40", 14_000_000, 4.5, 1.00),
    Instrument("ICICIBANK", "INE090A01021", "ICICI Bank Limited", FIN,
               "1362.80", 11_000_000, 4.5, 1.05),
    Instrument("SBIN", "INE062A01020", "State Bank of India", FIN,
               "912.55", 10_500_000, 5.5, 1.20),
    Instrument("BHARTIARTL", "INE397D01024", "Bharti Airtel Limited", "Telecommunication",
               "2094.70", 5_200_000, 5.0, 0.85),
    Instrument("ITC", "INE154A01025", "ITC Limited", FMCG,
               "408.35", 14_500_000, 4.5, 0.70),
    Instrument("LT", "INE018A01030", "Larsen & Toubro Limited", "Construction",
               "3948.60", 1_900_000, 5.5, 1.10),
    Instrument("HINDUNILVR", "INE030A01027", "Hindustan Unilever Limited", FMCG,
               "2412.90", 1_400_000, 4.5, 0.65),
    Instrument("AXISBANK", "INE238A01034", "Axis Bank Limited", FIN,
               "1221.40", 7_500_000, 5.5, 1.15),
    Instrument("BAJFINANCE", "INE296A01032", "Bajaj Finance Limited", FIN,
               "1036.80", 7_800_000, 6.5, 1.25),
    Instrument("MARUTI", "INE585B01010", "Maruti Suzuki India Limited", AUTO,
               "15642.00", 380_000, 5.5, 0.90),
    Instrument("SUNPHARMA", "INE044A01036", "Sun Pharmaceutical Industries Limited", HEALTH,
               "1762.30", 2_300_000, 5.0, 0.70),
    Instrument("WIPRO", "INE075A01022", "Wipro Limited", IT,
               "242.18", 11_000_000, 6.0, 0.85),
    Instrument("HCLTECH", "INE860A01027", "HCL Technologies Limited", IT,
               "1618.50", 2_800_000, 6.0, 0.85),
    Instrument("BAJAJ-AUTO", "INE917I01010", "Bajaj Auto Limited", AUTO,
               "8874.50", 420_000, 5.5, 0.90),
    Instrument("DRREDDY", "INE089A01031", "Dr. Reddy's Laboratories Limited", HEALTH,
               "1268.40", 1_900_000, 5.5, 0.70),
    Instrument("HINDALCO", "INE038A01020", "Hindalco Industries Limited", METALS,
               "812.65", 6_500_000, 7.0, 1.30),
    Instrument("TATASTEEL", "INE081A01020", "Tata Steel Limited", METALS,
               "168.42", 28_000_000, 7.0, 1.35),
    Instrument("NTPC", "INE733E01010", "NTPC Limited", "Power",
               "336.85", 11_500_000, 5.0, 0.95),
    Instrument("ULTRACEMCO", "INE481G01011", "UltraTech Cement Limited", "Construction Materials",
               "11742.00", 240_000, 5.0, 0.90),
    Instrument("TITAN", "INE280A01028", "Titan Company Limited", "Consumer Durables",
               "3786.20", 1_100_000, 5.5, 0.95),
    Instrument("COALINDIA", "INE522F01014", "Coal India Limited", OIL,
               "386.45", 6_200_000, 5.5, 1.00),
]
# fmt: on
BY_SYMBOL = {i.symbol: i for i in INSTRUMENTS}


def tick_for(price: Decimal) -> Decimal:
    """NSE tick size for an equity, by reference price."""
    if price < 250:
        return Decimal("0.01")
    if price < 1000:
        return Decimal("0.05")
    if price < 5000:
        return Decimal("0.10")
    if price < 10000:
        return Decimal("0.50")
    if price < 20000:
        return Decimal("1.00")
    return Decimal("5.00")


def round_to_tick(value: Decimal, tick: Decimal) -> Decimal:
    return (value / tick).quantize(Decimal(1), rounding=ROUND_HALF_UP) * tick


def fmt2(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):.2f}"


# --------------------------------------------------------------------------- #
# Deterministic helpers (IEEE basic arithmetic only)
# --------------------------------------------------------------------------- #


def normal(rng: random.Random) -> float:
    """Approximately standard normal (Irwin-Hall, 12 uniforms)."""
    s = 0.0
    for _ in range(12):
        s += rng.random()
    return s - 6.0


def powers(base: float, n: int) -> list[float]:
    out, v = [], 1.0
    for _ in range(n):
        out.append(v)
        v *= base
    return out


def bar_start(i: int) -> datetime:
    return SESSION_OPEN + i * ONE_MIN


def bar_index(hh: int, mm: int) -> int:
    return (hh - 9) * 60 + mm - 15


_EARLY = powers(0.94, N_BARS)
_LATE = powers(0.90, N_BARS)
# Volatility multiplier: elevated at the open, mildly elevated into the close.
VOL_SHAPE = [1.0 + 1.1 * _EARLY[i] + 0.35 * _LATE[N_BARS - 1 - i] for i in range(N_BARS)]
_VE = powers(0.955, N_BARS)
_VL = powers(0.94, N_BARS)
# Volume weights: U shape; the first minute also carries the pre-open auction.
VOLUME_SHAPE = [1.0 + 2.4 * _VE[i] + 1.6 * _VL[N_BARS - 1 - i] for i in range(N_BARS)]
VOLUME_SHAPE[0] *= 2.5
_DECAY = powers(0.9, N_BARS)  # news excitement decay per minute


# --------------------------------------------------------------------------- #
# Buyback scenarios
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Buyback:
    label: str
    symbol: str
    published: datetime
    # guide path: (minutes after the start of the first post-announcement bar, price/ref)
    guide: tuple[tuple[int, float], ...]
    expect: str  # "target", "stop", "open"


BUYBACKS = [
    Buyback(
        "A",
        "INFY",
        datetime(*DAY, 10, 5, 30, tzinfo=IST),
        (
            (0, 1.000),
            (1, 1.008),
            (3, 1.011),
            (10, 1.010),
            (24, 1.016),
            (44, 1.021),
            (45, 1.035),
            (70, 1.041),
            (110, 1.037),
            (200, 1.034),
            (320, 1.032),
        ),
        "target",
    ),
    Buyback(
        "C",
        "DRREDDY",
        datetime(*DAY, 11, 2, 10, tzinfo=IST),
        (
            (0, 1.000),
            (1, 1.005),
            (4, 1.007),
            (10, 1.003),
            (18, 0.998),
            (28, 0.995),
            (32, 0.995),
            (33, 0.979),
            (45, 0.975),
            (60, 0.973),
            (90, 0.978),
            (270, 0.976),
        ),
        "stop",
    ),
    Buyback(
        "B",
        "BAJAJ-AUTO",
        datetime(*DAY, 13, 31, 0, tzinfo=IST),
        ((0, 1.004), (2, 1.009), (8, 1.012), (30, 1.010), (60, 1.013), (90, 1.010), (118, 1.012)),
        "open",
    ),
]
BUYBACK_BY_SYMBOL = {b.symbol: b for b in BUYBACKS}


def guide_at(guide: tuple[tuple[int, float], ...], m: int) -> float:
    if m <= guide[0][0]:
        return guide[0][1]
    for (m0, g0), (m1, g1) in itertools.pairwise(guide):
        if m <= m1:
            return g0 + (g1 - g0) * (m - m0) / (m1 - m0)
    return guide[-1][1]


def first_bar_after(published: datetime) -> int:
    """Index of the first bar whose START is >= published."""
    for i in range(N_BARS):
        if bar_start(i) >= published:
            return i
    raise ValueError(published)


def ref_bar(published: datetime) -> int:
    """Index of the last bar whose END (start + 1 min) is <= published."""
    idx = -1
    for i in range(N_BARS):
        if bar_start(i) + ONE_MIN <= published:
            idx = i
    if idx < 0:
        raise ValueError(published)
    return idx


# --------------------------------------------------------------------------- #
# Bar generation
# --------------------------------------------------------------------------- #


@dataclass
class Bar:
    o: int  # all prices in ticks
    h: int
    l: int  # noqa: E741
    c: int
    v: int


def make_bar(rng: random.Random, open_t: int, p0: float, p1: float, sd: float, tick: float) -> Bar:
    """One minute: Brownian bridge from p0 (open) to p1 (close), prices in rupees."""
    sub_sd = sd / math.sqrt(N_SUB)
    w, walk = 0.0, []
    for _ in range(N_SUB):
        w += sub_sd * normal(rng)
        walk.append(w)
    close_t = round(p1 / tick)
    hi, lo = max(open_t, close_t), min(open_t, close_t)
    for j in range(1, N_SUB):
        frac = j / N_SUB
        x = p0 + (p1 - p0) * frac + p0 * (walk[j - 1] - frac * walk[-1])
        t = round(x / tick)
        hi, lo = max(hi, t), min(lo, t)
    return Bar(open_t, hi, lo, close_t, 0)


def market_path() -> tuple[float, list[float]]:
    rng = random.Random(f"{SEED}:market")
    gap = 0.0030 + 0.0005 * normal(rng)  # firm start (matches the 08:32 GIFT Nifty item)
    rets = []
    for i in range(N_BARS):
        drift = 0.00002  # small upward drift; the day ends roughly flat
        rets.append(drift + 0.00032 * VOL_SHAPE[i] * normal(rng))
    return gap, rets


def open_jitter(rng: random.Random) -> int:
    u = rng.random()
    return -1 if u < 0.12 else (1 if u > 0.88 else 0)


def ordinary_bars(
    inst: Instrument,
    tick: float,
    mkt_gap: float,
    mkt: list[float],
    rng: random.Random,
    upto: int = N_BARS,
) -> tuple[list[Bar], float]:
    """Random-walk bars 0..upto-1. Returns the bars and the final (float) price."""
    sd_idio = inst.idio_sd_bp / 10_000
    p = float(inst.prev_close) * (1.0 + inst.beta * mkt_gap + 0.0035 * normal(rng))
    bars: list[Bar] = []
    for i in range(upto):
        open_t = round(p / tick) if i == 0 else bars[-1].c + open_jitter(rng)
        p0 = open_t * tick
        r = inst.beta * mkt[i] + sd_idio * VOL_SHAPE[i] * normal(rng)
        p1 = p0 * (1.0 + r)
        b_sd = inst.beta * 0.00032
        sd_bar = math.sqrt(b_sd * b_sd + sd_idio * sd_idio) * VOL_SHAPE[i]
        bars.append(make_bar(rng, open_t, p0, p1, sd_bar, tick))
        p = p1
    return bars, p


def shaped_tail(
    inst: Instrument, bb: Buyback, tick: float, head: list[Bar], attempt: int
) -> list[Bar]:
    """Bars from the first post-announcement bar to 15:29, following bb.guide around ref."""
    rng = random.Random(f"{SEED}:{inst.symbol}:after-buyback:{attempt}")
    k0 = len(head)
    ref = head[-1].c * tick
    sd_idio = inst.idio_sd_bp / 10_000
    bars: list[Bar] = []
    e = 0.0
    prev_c = head[-1].c
    for i in range(k0, N_BARS):
        m = i - k0
        excite = 1.0 + 0.8 * _DECAY[min(m, 60)]  # busier right after the news
        sd = 1.15 * sd_idio * VOL_SHAPE[i] * excite
        e = 0.88 * e + sd * normal(rng)
        target = ref * guide_at(bb.guide, m) * (1.0 + e)
        open_t = prev_c + open_jitter(rng)
        bars.append(make_bar(rng, open_t, open_t * tick, target, sd, tick))
        prev_c = bars[-1].c
    return bars


def add_volumes(inst: Instrument, bars: list[Bar], tick: float, rng: random.Random) -> None:
    sd_ref = inst.idio_sd_bp / 10_000 + 0.0003
    raw = []
    for i, b in enumerate(bars):
        ret = abs(b.c - b.o) * tick / (b.o * tick)
        activity = 1.0 + 0.45 * min(4.0, ret / (sd_ref * VOL_SHAPE[i]))
        noise = max(0.3, 1.0 + 0.3 * normal(rng))
        raw.append(VOLUME_SHAPE[i] * activity * noise)
    bb = BUYBACK_BY_SYMBOL.get(inst.symbol)
    if bb is not None:
        k0 = ref_bar(bb.published) + 1  # the bar during/at which the news lands
        for i in range(k0, N_BARS):
            m = i - k0
            raw[i] *= 1.0 + 6.0 * _DECAY[m]
    total = sum(raw)
    scale = inst.daily_volume / total
    for b, x in zip(bars, raw, strict=True):
        b.v = max(1, round(x * scale))


def build_bars() -> dict[str, list[Bar]]:
    mkt_gap, mkt = market_path()
    out: dict[str, list[Bar]] = {}
    for inst in INSTRUMENTS:
        tick_d = tick_for(Decimal(inst.prev_close))
        tick = float(tick_d)
        rng = random.Random(f"{SEED}:{inst.symbol}")
        bb = BUYBACK_BY_SYMBOL.get(inst.symbol)
        if bb is None:
            bars, _ = ordinary_bars(inst, tick, mkt_gap, mkt, rng)
        else:
            k0 = ref_bar(bb.published) + 1
            head, _ = ordinary_bars(inst, tick, mkt_gap, mkt, rng, upto=k0)
            for attempt in range(500):
                bars = head + shaped_tail(inst, bb, tick, head, attempt)
                if scenario_ok(bb, [to_row(inst.symbol, i, b, tick_d) for i, b in enumerate(bars)]):
                    break
            else:  # pragma: no cover - the guides leave a wide margin
                raise RuntimeError(f"could not shape {inst.symbol}")
        add_volumes(inst, bars, tick, random.Random(f"{SEED}:{inst.symbol}:volume"))
        out[inst.symbol] = bars
    return out


@dataclass(frozen=True)
class Row:
    """One bar as written to / read from bars.csv."""

    symbol: str
    ts: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int


def to_row(symbol: str, i: int, b: Bar, tick: Decimal) -> Row:
    return Row(symbol, bar_start(i), b.o * tick, b.h * tick, b.l * tick, b.c * tick, b.v)


# --------------------------------------------------------------------------- #
# Playbook evaluation (shared by the generator and the self-check)
# --------------------------------------------------------------------------- #


def hhmm(d: datetime) -> str:
    return d.strftime("%H:%M")


@dataclass
class Outcome:
    ref: Decimal
    stop: Decimal
    target: Decimal
    entry_ts: datetime
    entry_open: Decimal
    exit_kind: str  # "target", "stop", "open"
    exit_ts: datetime | None
    last_close: Decimal
    square_off_open: Decimal  # open of the 15:15 bar (INTRADAY square-off)
    problems: list[str]


def evaluate(bb: Buyback, rows: list[Row]) -> Outcome:
    """Apply the minimal buyback playbook to one symbol's bars (rows sorted by ts)."""
    inst = BY_SYMBOL[bb.symbol]
    tick = tick_for(Decimal(inst.prev_close))
    T = bb.published
    ref_rows = [r for r in rows if r.ts + ONE_MIN <= T]
    ref = ref_rows[-1].close
    after = [r for r in rows if r.ts >= T]
    entry = after[0]
    stop = round_to_tick(ref * STOP_MULT, tick)
    target = round_to_tick(ref * TARGET_MULT, tick)
    # Margin-adjusted levels (the stricter of "ref x (mult +/- 0.3 %)" and "level x (1 +/- 0.3 %)").
    stop_hi = max(ref * (STOP_MULT + MARGIN), stop * (1 + MARGIN))
    stop_lo = min(ref * (STOP_MULT - MARGIN), stop * (1 - MARGIN))
    tgt_hi = max(ref * (TARGET_MULT + MARGIN), target * (1 + MARGIN))
    tgt_lo = min(ref * (TARGET_MULT - MARGIN), target * (1 - MARGIN))

    problems: list[str] = []
    exit_kind: str = "open"
    exit_ts: datetime | None = None
    for r in after[1:]:  # "on each later bar"
        if r.low <= stop:
            exit_kind, exit_ts = "stop", r.ts
            break
        if r.high >= target:
            exit_kind, exit_ts = "target", r.ts
            break

    if exit_ts is not None:
        # The exit bar must be unambiguous: it clears its level by the margin, and every
        # bar from the entry bar up to it stays clear of both levels by the margin.
        fx = next(r for r in after if r.ts == exit_ts)
        if exit_kind == "target" and not fx.high >= tgt_hi:
            problems.append(f"exit bar high {fx.high} < {tgt_hi:.2f} (target + margin)")
        if exit_kind == "stop" and not fx.low <= stop_lo:
            problems.append(f"exit bar low {fx.low} > {stop_lo:.2f} (stop - margin)")
        for r in after:
            if r.ts >= exit_ts:
                break
            if r.low <= stop_hi or r.high >= tgt_lo:
                problems.append(f"{r.ts:%H:%M} bar is within the margin of a level before the exit")
                break

    sq = next(r for r in rows if (r.ts.hour, r.ts.minute) == INTRADAY_SQUARE_OFF)
    if exit_kind != bb.expect:
        problems.append(
            f"expected exit {bb.expect!r}, got {exit_kind!r} at {exit_ts and hhmm(exit_ts)}"
        )

    if bb.expect == "target":
        lo_t, hi_t = (
            T.replace(hour=10, minute=30, second=0),
            T.replace(hour=12, minute=30, second=0),
        )
        hits = [r for r in after if lo_t <= r.ts <= hi_t and r.high >= tgt_hi]
        if not hits:
            problems.append(f"no bar 10:30-12:30 with high >= {tgt_hi:.2f} (target + margin)")
        else:
            first = hits[0]
            before = [r for r in after if r.ts < first.ts]
            if any(r.low <= stop_hi for r in [*before, first]):
                problems.append(f"a bar low <= {stop_hi:.2f} (stop + margin) before the target")
            if exit_ts is not None and not (lo_t <= exit_ts <= hi_t):
                problems.append(f"target first touched at {hhmm(exit_ts)}, outside 10:30-12:30")
            early = [r for r in after if r.ts < lo_t and r.high >= tgt_lo]
            if early:
                problems.append(f"high >= {tgt_lo:.2f} (target - margin) before 10:30")
    elif bb.expect == "stop":
        lo_t, hi_t = T + timedelta(minutes=20), T + timedelta(minutes=60)
        hits = [r for r in after if lo_t <= r.ts <= hi_t and r.low <= stop_lo]
        if not hits:
            problems.append(
                f"no bar {hhmm(lo_t)}-{hhmm(hi_t)} with low <= {stop_lo:.2f} (stop - margin)"
            )
        else:
            first = hits[0]
            before = [r for r in after if r.ts < first.ts]
            if any(r.high >= tgt_lo for r in [*before, first]):
                problems.append(f"a bar high >= {tgt_lo:.2f} (target - margin) before the stop")
            if exit_ts is not None and not (lo_t <= exit_ts <= hi_t):
                problems.append(
                    f"stop first touched at {hhmm(exit_ts)}, outside {hhmm(lo_t)}-{hhmm(hi_t)}"
                )
            early = [r for r in after if r.ts < lo_t and r.low <= stop_hi]
            if early:
                problems.append(f"low <= {stop_hi:.2f} (stop + margin) within 20 minutes")
    else:  # "open"
        for r in after:
            if r.low <= stop_hi:
                problems.append(f"{hhmm(r.ts)} low {r.low} <= {stop_hi:.2f} (stop + margin)")
                break
            if r.high >= tgt_lo:
                problems.append(f"{hhmm(r.ts)} high {r.high} >= {tgt_lo:.2f} (target - margin)")
                break
        if not rows[-1].close > ref:
            problems.append(f"last close {rows[-1].close} not above ref {ref}")

    return Outcome(
        ref,
        stop,
        target,
        entry.ts,
        entry.open,
        exit_kind,
        exit_ts,
        rows[-1].close,
        sq.open,
        problems,
    )


def scenario_ok(bb: Buyback, rows: list[Row]) -> bool:
    return not evaluate(bb, rows).problems


# --------------------------------------------------------------------------- #
# News
# --------------------------------------------------------------------------- #

WIRES = (
    "Capital Markets Wire",
    "Mumbai Financial Wire",
    "Markets Desk India",
    "Policy Watch India",
)


def last_close_before(rows: list[Row], when: datetime) -> Decimal:
    return [r for r in rows if r.ts + ONE_MIN <= when][-1].close


def pct(a: Decimal, b: Decimal) -> str:
    return f"{abs((a - b) / b * 100):.1f}"


def rupees(x: Decimal) -> str:
    return f"₹{x:,.2f}"


def build_news(rows_by_symbol: dict[str, list[Row]]) -> list[dict[str, Any]]:
    def t(hh: int, mm: int, ss: int = 0) -> datetime:
        return datetime(*DAY, hh, mm, ss, tzinfo=IST)

    def ann(when: datetime, symbol: str, category: str, headline: str, body: str) -> dict[str, Any]:
        return {
            "when": when,
            "kind": "announcement",
            "source": "NSE",
            "symbols": [symbol],
            "category": category,
            "headline": headline,
            "body": body,
            "isin": BY_SYMBOL[symbol].isin,
        }

    def news(
        when: datetime,
        source: str,
        category: str,
        symbols: list[str],
        headline: str,
        body: str,
    ) -> dict[str, Any]:
        return {
            "when": when,
            "kind": "news",
            "source": source,
            "symbols": symbols,
            "category": category,
            "headline": headline,
            "body": body,
            "isin": None,
        }

    w1, w2, w3, w4 = WIRES
    ref = {b.symbol: evaluate(b, rows_by_symbol[b.symbol]).ref for b in BUYBACKS}

    infy_1110 = last_close_before(rows_by_symbol["INFY"], t(11, 10))
    drr_1134 = last_close_before(rows_by_symbol["DRREDDY"], t(11, 34, 20))
    drr_1152 = last_close_before(rows_by_symbol["DRREDDY"], t(11, 52, 40))
    baj_1405 = last_close_before(rows_by_symbol["BAJAJ-AUTO"], t(14, 5))
    # The reaction stories below say "above"/"below"; make sure the bars agree.
    assert infy_1110 > ref["INFY"] and baj_1405 > ref["BAJAJ-AUTO"]
    assert drr_1134 < ref["DRREDDY"] and drr_1152 < ref["DRREDDY"]

    def close_move(symbol: str) -> str:
        last = rows_by_symbol[symbol][-1].close
        prev = Decimal(BY_SYMBOL[symbol].prev_close)
        word = "higher" if last > prev else ("lower" if last < prev else "unchanged")
        return (
            f"{rupees(last)}, {pct(last, prev)}% {word}"
            if word != "unchanged"
            else f"{rupees(last)}, unchanged"
        )

    items: list[dict[str, Any]] = [
        news(
            t(8, 32, 15),
            w1,
            "macro",
            [],
            "GIFT Nifty points to a firm start for Indian equities",
            "GIFT Nifty futures traded about 0.3% higher in early trade, indicating a positive "
            "opening for "
            "the Nifty 50. Asian markets were mixed, while US index futures were little changed.",
        ),
        news(
            t(8, 41),
            w4,
            "policy",
            [],
            "RBI to conduct ₹1,00,000 crore seven-day variable rate repo auction",
            "The Reserve Bank of India said it will conduct a seven-day variable rate repo auction "
            "for a "
            "notified amount of ₹1,00,000 crore on Friday. The reporting window will be open from "
            "10:00 am "
            "to 10:30 am.",
        ),
        ann(
            t(8, 47, 30),
            "COALINDIA",
            "Record Date",
            "Coal India Limited - Record Date for second interim dividend",
            "Coal India Limited has informed the Exchange that Friday, November 27, 2026 has been "
            "fixed as "
            "the record date for determining the eligibility of shareholders for the second "
            "interim "
            "dividend of ₹5.50 per equity share of face value ₹10 for FY 2026-27.",
        ),
        ann(
            t(8, 50),
            "MARUTI",
            "Updates",
            "Maruti Suzuki India Limited - Updates: Intimation of price increase",
            "Maruti Suzuki India Limited has informed the Exchange that it will increase the "
            "prices of its "
            "vehicles by up to 2%, varying across models, with effect from December 1, 2026, "
            "citing higher "
            "input and logistics costs.",
        ),
        news(
            t(8, 56),
            w2,
            "company",
            ["MARUTI"],
            "Maruti Suzuki to raise car prices by up to 2% from December",
            "Maruti Suzuki India said it will raise prices across its range by up to 2% from "
            "December 1, "
            "citing higher commodity and logistics costs. The company said the increase will vary "
            "by model.",
        ),
        ann(
            t(9, 2),
            "BAJFINANCE",
            "Credit Rating",
            "Bajaj Finance Limited - Credit Rating reaffirmed",
            "Bajaj Finance Limited has informed the Exchange that a credit rating agency has "
            "reaffirmed the "
            "long-term rating of its non-convertible debentures at 'AAA/Stable' and the short-term "
            "rating of "
            "its commercial paper programme at 'A1+'.",
        ),
        news(
            t(9, 5),
            w3,
            "sector",
            ["TATASTEEL", "HINDALCO"],
            "Domestic hot-rolled coil prices edge lower for a third week",
            "Domestic hot-rolled coil prices eased by about ₹500 per tonne this week amid subdued "
            "demand "
            "from traders, according to market participants. Aluminium prices on the London Metal "
            "Exchange "
            "were steady in Asian trade.",
        ),
        ann(
            t(9, 12, 30),
            "LT",
            "Updates",
            "Larsen & Toubro Limited - Updates: Order win",
            "Larsen & Toubro Limited has informed the Exchange that its Power Transmission & "
            "Distribution "
            "business has secured a 'significant' order (₹1,000 crore to ₹2,500 crore) to build a "
            "400 kV "
            "substation and associated transmission lines in the Middle East.",
        ),
        news(
            t(9, 20),
            w1,
            "macro",
            [],
            "Rupee opens 6 paise higher against the US dollar",
            "The rupee opened 6 paise higher against the US dollar in the interbank foreign "
            "exchange market, "
            "supported by a softer dollar index. Dealers said importer demand could cap gains.",
        ),
        ann(
            t(9, 34),
            "AXISBANK",
            "Action(s) taken or orders passed",
            "Axis Bank Limited - Action(s) taken or orders passed: SEBI adjudication order",
            "Axis Bank Limited has informed the Exchange that it has received an adjudication "
            "order from the "
            "Securities and Exchange Board of India imposing a monetary penalty of ₹10,00,000 in "
            "respect of "
            "observations from an inspection of its depository participant operations. The Bank "
            "said there "
            "is no material impact on its financial, operational or other activities and it is "
            "evaluating "
            "further steps.",
        ),
        ann(
            t(9, 39),
            "BHARTIARTL",
            "Board Meeting Intimation",
            "Bharti Airtel Limited - Board Meeting Intimation",
            "Pursuant to Regulation 29 of the SEBI Listing Regulations, a meeting of the Board "
            "of Directors of Bharti Airtel Limited is scheduled on November 25, 2026, inter "
            "alia, to consider and approve the unaudited financial results for the quarter "
            "ended September 30, 2026. The trading window remains closed until 48 hours after "
            "the results are declared.",
        ),
        news(
            t(9, 41),
            w4,
            "policy",
            [],
            "SEBI proposes tighter disclosure norms for related-party transactions",
            "The Securities and Exchange Board of India released a consultation paper proposing "
            "additional "
            "disclosures to shareholders for material related-party transactions of listed "
            "companies. "
            "Comments are invited until December 11.",
        ),
        ann(
            t(9, 48),
            "TITAN",
            "Outcome of Board Meeting",
            "Titan Company Limited - Outcome of Board Meeting",
            "The Board of Directors of Titan Company Limited at its meeting held today approved an "
            "investment "
            "of up to ₹400 crore in its wholly owned subsidiary by way of subscription to equity "
            "shares on a "
            "rights basis, in one or more tranches.",
        ),
        news(
            t(9, 55),
            w3,
            "sector",
            ["TCS", "INFY", "WIPRO", "HCLTECH"],
            "IT services firms see steady deal pipeline as US clients finalise 2027 budgets",
            "Indian IT services companies reported a steady pipeline of cost-optimisation and "
            "cloud "
            "deals, industry executives said, as US clients firm up technology budgets for "
            "calendar 2027. "
            "Discretionary spending remains selective.",
        ),
        # ---- Buyback A -------------------------------------------------------
        ann(
            BUYBACKS[0].published,
            "INFY",
            "Buyback",
            "Infosys Limited - Buyback: Board approves buyback of equity shares through tender "
            "offer",
            "The Board of Directors of Infosys Limited at its meeting held today approved the "
            "buyback of up "
            "to 10,00,00,000 fully paid-up equity shares of face value ₹5 each at a price of "
            "₹1,850 per "
            "share, payable in cash, for an aggregate amount not exceeding ₹18,500 crore, through "
            "the tender "
            "offer route using the stock exchange mechanism. The record date for determining "
            "eligible "
            "shareholders will be intimated in due course.",
        ),
        news(
            t(10, 9),
            w2,
            "company",
            ["INFY"],
            "Infosys board clears ₹18,500 crore share buyback at ₹1,850 apiece",
            "Infosys said its board approved a buyback of up to 10 crore shares at ₹1,850 each "
            "through the "
            "tender offer route, for a total of ₹18,500 crore. The buyback price is at a premium "
            "to the "
            "stock's previous close.",
        ),
        ann(
            t(10, 22),
            "NTPC",
            "Dividend",
            "NTPC Limited - Dividend: Interim dividend declared",
            "NTPC Limited has informed the Exchange that its Board of Directors has declared an "
            "interim "
            "dividend of ₹2.75 per equity share of face value ₹10 each for FY 2026-27. The record "
            "date will "
            "be intimated separately.",
        ),
        news(
            t(10, 34),
            w4,
            "policy",
            [],
            "RBI's seven-day VRR auction draws bids of ₹1,12,400 crore",
            "The Reserve Bank of India received bids worth ₹1,12,400 crore at its seven-day "
            "variable rate "
            "repo auction against the notified amount of ₹1,00,000 crore. The weighted average "
            "rate was "
            "marginally above the repo rate.",
        ),
        news(
            t(10, 40),
            w1,
            "company",
            ["HDFCBANK"],
            "HDFC Bank raises ₹7,500 crore through 10-year infrastructure bonds",
            "HDFC Bank raised ₹7,500 crore through the issue of 10-year infrastructure bonds on a "
            "private "
            "placement basis, according to merchant bankers. The issue was oversubscribed.",
        ),
        ann(
            t(10, 48),
            "SUNPHARMA",
            "Acquisition",
            "Sun Pharmaceutical Industries Limited - Acquisition",
            "Sun Pharmaceutical Industries Limited has informed the Exchange that its wholly owned "
            "subsidiary "
            "has entered into a definitive agreement to acquire 100% of a US-based specialty "
            "dermatology "
            "company for an upfront cash consideration of USD 95 million. The transaction is "
            "expected to "
            "close by March 2027, subject to customary approvals.",
        ),
        # ---- Buyback C -------------------------------------------------------
        ann(
            BUYBACKS[1].published,
            "DRREDDY",
            "Buyback",
            "Dr. Reddy's Laboratories Limited - Buyback: Board approves open market buyback",
            "The Board of Directors of Dr. Reddy's Laboratories Limited at its meeting held today "
            "approved "
            "the buyback of fully paid-up equity shares of face value ₹1 each from the open market "
            "through "
            "the stock exchange mechanism at a price not exceeding ₹1,350 per share, for an "
            "aggregate amount "
            "not exceeding ₹1,200 crore. At the maximum buyback price, the indicative maximum "
            "number of "
            "shares to be bought back is 88,88,888.",
        ),
        news(
            t(11, 6),
            w2,
            "company",
            ["DRREDDY"],
            "Dr. Reddy's announces ₹1,200 crore open-market share buyback",
            "Dr. Reddy's Laboratories said its board approved buying back shares worth up to "
            "₹1,200 crore "
            "from the open market at a maximum price of ₹1,350 each. The company did not specify a "
            "minimum "
            "buyback size.",
        ),
        news(
            t(10, 49, 30),
            w3,
            "company",
            ["INFY"],
            "Brokerages say Infosys buyback premium signals confidence; see EPS accretion",
            "Several domestic brokerages said the ₹1,850 buyback price and the tender offer route "
            "signal "
            "management's confidence in cash generation. They estimate the buyback will be about "
            "2% accretive "
            "to earnings per share.",
        ),
        news(
            t(11, 10),
            w1,
            "company",
            ["INFY"],
            "Infosys shares climb after buyback announcement",
            f"Infosys shares were trading at {rupees(infy_1110)} at 11:10 am, "
            f"{pct(infy_1110, ref['INFY'])}% "
            "above their level before the buyback announcement. Trading volumes were several "
            "times the "
            f"recent average.",
        ),
        ann(
            t(11, 15),
            "HINDALCO",
            "Financial Result Updates",
            "Hindalco Industries Limited - Financial Result Updates: Newspaper publication",
            "Hindalco Industries Limited has submitted copies of the newspaper publication of its "
            "unaudited "
            "standalone and consolidated financial results for the quarter and half year ended "
            "September 30, "
            "2026.",
        ),
        news(
            t(11, 24),
            w3,
            "macro",
            [],
            "Brent crude eases in Asian trade on demand concerns",
            "Brent crude futures fell about 0.8% in Asian trade as traders weighed the demand "
            "outlook "
            "against supply curbs by major producers. Lower crude prices are typically positive "
            "for India's "
            "import bill.",
        ),
        news(
            t(11, 34, 20),
            w2,
            "company",
            ["DRREDDY"],
            "Dr. Reddy's gives up gains as analysts flag modest size of open-market buyback",
            f"Dr. Reddy's Laboratories shares were at {rupees(drr_1134)} at 11:34 am, "
            f"{pct(drr_1134, ref['DRREDDY'])}% "
            "below their level before the buyback announcement. Analysts said the open-market "
            "route and the "
            f"absence of a minimum size limit the support to the share price.",
        ),
        news(
            t(11, 52, 40),
            w1,
            "company",
            ["DRREDDY"],
            "Dr. Reddy's extends decline after buyback disappoints",
            f"Dr. Reddy's Laboratories shares were at {rupees(drr_1152)} at 11:52 am, "
            f"{pct(drr_1152, ref['DRREDDY'])}% "
            "below their level before the buyback announcement, with heavy volumes. The maximum "
            "buyback price "
            f"of ₹1,350 is about {pct(Decimal(1350), ref['DRREDDY'])}% above that level.",
        ),
        ann(
            t(11, 52),
            "ICICIBANK",
            "Outcome of Board Meeting",
            "ICICI Bank Limited - Outcome of Board Meeting",
            "The Board of Directors of ICICI Bank Limited at its meeting held today approved "
            "raising of funds "
            "through issue of long-term bonds of up to ₹10,000 crore on a private placement basis "
            "during the "
            "next twelve months.",
        ),
        news(
            t(12, 5),
            w3,
            "sector",
            ["BHARTIARTL"],
            "Telecom operators add 3.1 million wireless subscribers in October, TRAI data shows",
            "Telecom operators added a net 3.1 million wireless subscribers in October, according "
            "to data "
            "released by the Telecom Regulatory Authority of India. Active subscriber share of the "
            "top two "
            "operators rose marginally.",
        ),
        ann(
            t(12, 18),
            "RELIANCE",
            "Updates",
            "Reliance Industries Limited - Updates: Incorporation of wholly owned subsidiary",
            "Reliance Industries Limited has informed the Exchange about the incorporation of a "
            "wholly owned "
            "subsidiary to undertake new energy manufacturing activities. The subsidiary has an "
            "initial "
            "authorised capital of ₹1 lakh and is yet to commence operations.",
        ),
        news(
            t(12, 34),
            w4,
            "policy",
            [],
            "Government extends timeline for PLI scheme for auto components by one year",
            "The Ministry of Heavy Industries extended the production-linked incentive scheme for "
            "automobiles "
            "and auto components by one year, according to a gazette notification. The outlay "
            "remains "
            "unchanged.",
        ),
        ann(
            t(12, 50),
            "TATASTEEL",
            "Credit Rating",
            "Tata Steel Limited - Credit Rating",
            "Tata Steel Limited has informed the Exchange that an international credit rating "
            "agency has "
            "affirmed the Company's long-term issuer rating with a stable outlook.",
        ),
        news(
            t(13, 2),
            w1,
            "macro",
            [],
            "Government bond yields steady; 10-year benchmark at 6.41%",
            "Indian government bond yields were little changed in afternoon trade, with the "
            "10-year benchmark "
            "yield at 6.41%. Traders awaited the weekly auction of state development loans.",
        ),
        ann(
            t(13, 14),
            "NTPC",
            "Record Date",
            "NTPC Limited - Record Date for interim dividend",
            "NTPC Limited has informed the Exchange that Friday, November 27, 2026 has been fixed "
            "as the record "
            "date for the purpose of payment of the interim dividend of ₹2.75 per equity share for "
            "FY 2026-27.",
        ),
        # ---- Buyback B -------------------------------------------------------
        ann(
            BUYBACKS[2].published,
            "BAJAJ-AUTO",
            "Buyback",
            "Bajaj Auto Limited - Buyback: Board approves buyback of equity shares through tender "
            "offer",
            "The Board of Directors of Bajaj Auto Limited at its meeting held today approved the "
            "buyback of up "
            "to 40,00,000 fully paid-up equity shares of face value ₹10 each at a price of ₹10,500 "
            "per share, "
            "payable in cash, for an aggregate amount not exceeding ₹4,200 crore, through the "
            "tender offer "
            "route using the stock exchange mechanism. The buyback is subject to shareholder "
            "approval by way "
            "of a special resolution through postal ballot.",
        ),
        news(
            t(13, 36),
            w2,
            "company",
            ["BAJAJ-AUTO"],
            "Bajaj Auto board approves ₹4,200 crore buyback via tender offer",
            "Bajaj Auto said its board approved a buyback of up to 40 lakh shares at ₹10,500 "
            "apiece through "
            "the tender offer route, aggregating ₹4,200 crore. The buyback requires shareholder "
            "approval.",
        ),
        ann(
            t(13, 48),
            "BHARTIARTL",
            "Updates",
            "Bharti Airtel Limited - Updates: Prepayment of deferred spectrum liabilities",
            "Bharti Airtel Limited has informed the Exchange that it has prepaid ₹5,985 crore to "
            "the "
            "Department of Telecommunications towards deferred liabilities for spectrum acquired "
            "in earlier "
            "auctions, carrying an interest cost of about 9.3%.",
        ),
        news(
            t(14, 5),
            w1,
            "company",
            ["BAJAJ-AUTO"],
            "Bajaj Auto shares trade higher after buyback announcement",
            f"Bajaj Auto shares were at {rupees(baj_1405)} at 2:05 pm, "
            f"{pct(baj_1405, ref['BAJAJ-AUTO'])}% above "
            "their level before the buyback announcement. The buyback price of ₹10,500 is at a "
            "premium to "
            f"the current market price.",
        ),
        ann(
            t(14, 12),
            "ITC",
            "Action(s) taken or orders passed",
            "ITC Limited - Action(s) taken or orders passed: GST order",
            "ITC Limited has informed the Exchange that it has received an order from the GST "
            "authorities "
            "confirming a demand of ₹38.6 crore along with interest and a penalty of ₹3.9 crore "
            "relating to "
            "input tax credit for FY 2021-22. The Company believes it has a strong case on merits "
            "and intends "
            "to file an appeal.",
        ),
        news(
            t(14, 25),
            w3,
            "sector",
            ["ULTRACEMCO"],
            "Cement prices in south India rise ₹10-15 a bag, dealers say",
            "Cement makers raised prices by ₹10-15 per 50-kg bag in southern markets this week, "
            "dealers said, "
            "as construction demand picked up after the monsoon. Prices in northern markets were "
            "stable.",
        ),
        ann(
            t(14, 38),
            "WIPRO",
            "Outcome of Board Meeting",
            "Wipro Limited - Outcome of Board Meeting: Grant of restricted stock units",
            "Wipro Limited has informed the Exchange that the Board Governance, Nomination and "
            "Compensation "
            "Committee has approved the grant of 4,12,500 restricted stock units to eligible "
            "employees under "
            "the Company's employee stock option schemes.",
        ),
        news(
            t(14, 50),
            w4,
            "policy",
            [],
            "SEBI bars 12 entities from securities market in front-running case",
            "The Securities and Exchange Board of India barred 12 entities from the securities "
            "market and "
            "ordered impounding of alleged unlawful gains of ₹4.2 crore in a front-running case. "
            "The "
            "interim order is subject to confirmation after hearing the parties.",
        ),
        ann(
            t(15, 2),
            "HCLTECH",
            "Updates",
            "HCL Technologies Limited - Updates: Press release",
            "HCL Technologies Limited has submitted a press release announcing a multi-year "
            "engagement with a "
            "European utilities company to modernise its digital infrastructure and cloud "
            "operations.",
        ),
        news(
            t(15, 10),
            w2,
            "company",
            ["TCS"],
            "TCS signs multi-year deal with European insurer",
            "Tata Consultancy Services said it signed a multi-year agreement with a European "
            "insurance group "
            "to consolidate its application maintenance and cloud operations. Financial terms were "
            "not "
            "disclosed.",
        ),
        ann(
            t(15, 24),
            "SUNPHARMA",
            "Updates",
            "Sun Pharmaceutical Industries Limited - Updates: USFDA inspection",
            "Sun Pharmaceutical Industries Limited has informed the Exchange that the US Food and "
            "Drug "
            "Administration completed an inspection of one of its formulation facilities in India "
            "with no "
            "Form 483 observations.",
        ),
        news(
            t(15, 36),
            w1,
            "company",
            ["INFY", "DRREDDY", "BAJAJ-AUTO"],
            "Buyback announcements keep Infosys, Dr. Reddy's and Bajaj Auto in focus",
            f"Infosys closed at {close_move('INFY')} than its previous close, Dr. Reddy's at "
            f"{close_move('DRREDDY')}, and Bajaj Auto at {close_move('BAJAJ-AUTO')}. All three "
            "companies "
            f"announced share buybacks during the session.",
        ),
        news(
            t(15, 42),
            w4,
            "policy",
            [],
            "RBI issues draft directions on co-lending arrangements for regulated entities",
            "The Reserve Bank of India released draft directions on co-lending arrangements "
            "between banks "
            "and non-banking financial companies, proposing minimum retention of 10% of each loan "
            "by the "
            "originating lender. Comments are invited within 30 days.",
        ),
    ]
    items.sort(key=lambda x: x["when"])
    out: list[dict[str, Any]] = []
    n_ann = n_news = 0
    for it in items:
        if it["kind"] == "announcement":
            n_ann += 1
            sid = f"nse-ann-20261120{n_ann:02d}"
        else:
            n_news += 1
            sid = f"news-20261120{n_news:02d}"
        out.append(
            {
                "source_id": sid,
                "kind": it["kind"],
                "source": it["source"],
                "published_at": it["when"].isoformat(),
                "headline": it["headline"],
                "body": it["body"],
                "symbols": it["symbols"],
                "category": it["category"],
                "isin": it["isin"],
            }
        )
    return out


# --------------------------------------------------------------------------- #
# Accounts (verbatim)
# --------------------------------------------------------------------------- #

ACCOUNTS_JSON = """[
 {"account_id": "sip-aggressive", "name": "SIP — aggressive", "objective": "MAX_PROFIT", "horizon": "SWING", "risk_per_trade_pct": "1.5", "max_position_pct": "25", "daily_loss_limit": "40000", "max_drawdown_pct": "10", "cash_buffer_pct": "5", "sectors_allowed": [], "sectors_banned": [], "initial_deposit": "1000000.00"},
 {"account_id": "event-tactical", "name": "Event — tactical", "objective": "BALANCED", "horizon": "INTRADAY", "risk_per_trade_pct": "1.0", "max_position_pct": "30", "daily_loss_limit": "2000", "max_drawdown_pct": "5", "cash_buffer_pct": "10", "sectors_allowed": [], "sectors_banned": ["Information Technology"], "initial_deposit": "500000.00"},
 {"account_id": "income-conservative", "name": "Income — conservative", "objective": "RISK_MINIMIZED", "horizon": "POSITIONAL", "risk_per_trade_pct": "0.5", "max_position_pct": "10", "daily_loss_limit": "20000", "max_drawdown_pct": "4", "cash_buffer_pct": "20", "sectors_allowed": [], "sectors_banned": ["Information Technology"], "initial_deposit": "2000000.00"}
]
"""  # noqa: E501


# --------------------------------------------------------------------------- #
# Writing
# --------------------------------------------------------------------------- #


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


# Average daily traded value over 20 sessions, in Rs crore: the order of magnitude these
# names trade at, for the liquidity guardrail and the meta-label (illustrative figures).
ADV_CRORE = {
    "RELIANCE": "1400", "TCS": "900", "INFY": "1100", "HDFCBANK": "1800", "ICICIBANK": "1300",
    "SBIN": "1000", "BHARTIARTL": "900", "ITC": "600", "LT": "700", "HINDUNILVR": "450",
    "AXISBANK": "900", "BAJFINANCE": "1000", "MARUTI": "500", "SUNPHARMA": "450",
    "WIPRO": "300", "HCLTECH": "450", "BAJAJ-AUTO": "350", "DRREDDY": "350",
    "HINDALCO": "450", "TATASTEEL": "700", "NTPC": "500", "ULTRACEMCO": "300", "TITAN": "450",
    "COALINDIA": "450",
}


def generate() -> None:
    bars = build_bars()

    inst_rows = []
    for inst in INSTRUMENTS:
        tick = tick_for(Decimal(inst.prev_close))
        assert Decimal(inst.prev_close) % tick == 0, inst.symbol
        inst_rows.append(
            [inst.symbol, inst.isin, inst.name, inst.sector, "1", fmt2(tick), inst.prev_close,
             ADV_CRORE[inst.symbol]]
        )
    write_text(
        OUT_DIR / "instruments.csv",
        csv_text(
            ["symbol", "isin", "name", "sector", "lot_size", "tick_size", "prev_close",
             "adv_cr"], inst_rows
        ),
    )

    rows_by_symbol: dict[str, list[Row]] = {}
    flat: list[Row] = []
    for inst in INSTRUMENTS:
        tick = tick_for(Decimal(inst.prev_close))
        rows = [to_row(inst.symbol, i, b, tick) for i, b in enumerate(bars[inst.symbol])]
        rows_by_symbol[inst.symbol] = rows
        flat.extend(rows)
    flat.sort(key=lambda r: (r.ts, r.symbol))
    write_text(
        OUT_DIR / "bars.csv",
        csv_text(
            ["symbol", "ts", "open", "high", "low", "close", "volume"],
            [
                [
                    r.symbol,
                    r.ts.isoformat(),
                    fmt2(r.open),
                    fmt2(r.high),
                    fmt2(r.low),
                    fmt2(r.close),
                    str(r.volume),
                ]
                for r in flat
            ],
        ),
    )

    items = build_news(rows_by_symbol)
    write_text(
        OUT_DIR / "news.jsonl", "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items)
    )

    write_text(OUT_DIR / "accounts.json", ACCOUNTS_JSON)


# --------------------------------------------------------------------------- #
# Self-check (reads the written files back)
# --------------------------------------------------------------------------- #


def check_outcomes() -> None:
    with open(OUT_DIR / "instruments.csv", encoding="utf-8", newline="") as f:
        instruments = list(csv.DictReader(f))
    ticks = {r["symbol"]: Decimal(r["tick_size"]) for r in instruments}
    isins = {r["symbol"]: r["isin"] for r in instruments}
    sectors = {r["symbol"]: r["sector"] for r in instruments}
    assert len(instruments) >= 20, f"only {len(instruments)} instruments"
    for r in instruments:
        assert r["isin"].startswith("INE") and len(r["isin"]) == 12, f"bad ISIN {r}"
        assert ticks[r["symbol"]] == tick_for(Decimal(r["prev_close"])), (
            f"tick size rule broken: {r}"
        )
        assert r["lot_size"] == "1", r

    with open(OUT_DIR / "bars.csv", encoding="utf-8", newline="") as f:
        raw = list(csv.DictReader(f))
    keys = [(r["ts"], r["symbol"]) for r in raw]
    assert keys == sorted(keys), "bars.csv not sorted by ts then symbol"
    rows_by_symbol: dict[str, list[Row]] = {}
    for r in raw:
        sym = r["symbol"]
        assert sym in ticks, f"bar for unknown symbol {sym}"
        px: dict[str, Decimal] = {}
        for k in ("open", "high", "low", "close"):
            assert len(r[k].split(".")[-1]) == 2, f"{sym} {r['ts']} {k}={r[k]!r} not 2 decimals"
            px[k] = Decimal(r[k])
            assert px[k] > 0 and px[k] % ticks[sym] == 0, (
                f"{sym} {r['ts']} {k}={r[k]} not a multiple of tick {ticks[sym]}"
            )
        row = Row(
            sym,
            datetime.fromisoformat(r["ts"]),
            px["open"],
            px["high"],
            px["low"],
            px["close"],
            int(r["volume"]),
        )
        assert row.low <= min(row.open, row.close) and row.high >= max(row.open, row.close), (
            f"{sym} {r['ts']} OHLC inconsistent: {r}"
        )
        assert row.volume > 0, f"{sym} {r['ts']} non-positive volume"
        rows_by_symbol.setdefault(sym, []).append(row)
    assert set(rows_by_symbol) == set(ticks), "bars missing for some instruments"
    expected_ts = [bar_start(i) for i in range(N_BARS)]
    for sym, rows in rows_by_symbol.items():
        assert [r.ts for r in rows] == expected_ts, (
            f"{sym}: expected 375 bars 09:15..15:29, got {len(rows)}"
        )

    with open(OUT_DIR / "news.jsonl", encoding="utf-8") as f:
        news = [json.loads(line) for line in f if line.strip()]
    assert len(news) >= 32, f"only {len(news)} news items"
    ids = [n["source_id"] for n in news]
    assert len(set(ids)) == len(ids), "duplicate source_id in news.jsonl"
    pub = [datetime.fromisoformat(n["published_at"]) for n in news]
    assert pub == sorted(pub), "news.jsonl not sorted by published_at"
    lo, hi = datetime(*DAY, 8, 30, tzinfo=IST), datetime(*DAY, 15, 45, tzinfo=IST)
    for n, p in zip(news, pub, strict=True):
        assert lo <= p <= hi and p.utcoffset() == timedelta(hours=5, minutes=30), (
            f"bad published_at {n}"
        )
        assert n["kind"] in ("announcement", "news"), n
        assert all(s in ticks for s in n["symbols"]), f"unknown symbol in {n['source_id']}"
        if n["kind"] == "announcement":
            assert n["source"] == "NSE" and len(n["symbols"]) == 1, n
            assert n["isin"] == isins[n["symbols"][0]], f"ISIN mismatch in {n['source_id']}"
        else:
            assert n["isin"] is None and n["category"] in (
                "policy",
                "macro",
                "company",
                "sector",
            ), n

    buybacks = [n for n in news if n["kind"] == "announcement" and n["category"] == "Buyback"]
    assert len(buybacks) == 3, f"expected exactly 3 Buyback announcements, got {len(buybacks)}"
    found = {n["symbols"][0]: datetime.fromisoformat(n["published_at"]) for n in buybacks}
    assert found == {b.symbol: b.published for b in BUYBACKS}, (
        f"buyback announcements differ: {found}"
    )
    assert sectors["INFY"] == IT and sectors["DRREDDY"] != IT and sectors["BAJAJ-AUTO"] != IT

    json.loads((OUT_DIR / "accounts.json").read_text(encoding="utf-8"))
    assert (OUT_DIR / "accounts.json").read_text(encoding="utf-8") == ACCOUNTS_JSON

    print(f"ok: {len(instruments)} instruments, {len(raw)} bars, {len(news)} news items")
    for bb in BUYBACKS:
        o = evaluate(bb, rows_by_symbol[bb.symbol])
        if o.problems:
            raise AssertionError(
                f"Buyback {bb.label} ({bb.symbol} @ {bb.published:%H:%M:%S}): "
                + "; ".join(o.problems)
            )
        when = o.exit_ts.strftime("%H:%M") if o.exit_ts else "-"
        exit_txt = {
            "target": f"TARGET hit in {when} bar",
            "stop": f"STOP hit in {when} bar",
            "open": f"still OPEN at 15:29, last close {o.last_close} (> ref)",
        }[o.exit_kind]
        print(
            f"Buyback {bb.label} {bb.symbol:<10} T={bb.published:%H:%M:%S} ref={o.ref} "
            f"stop={o.stop} "
            f"target={o.target} entry={o.entry_ts:%H:%M} open {o.entry_open} -> {exit_txt}; "
            f"15:15 open {o.square_off_open}"
        )


def main() -> None:
    generate()
    check_outcomes()


if __name__ == "__main__":
    main()
