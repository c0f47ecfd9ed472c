"""A bars file played as a live tape: each bar becomes four prints (open, high, low, close)
across its minute, the day's volume growing by the bar's volume, sent as frames of a fake
feed. Minute n of the file is stamped minute n after `start`, so a desk folding the tape
rebuilds the file's bars; `pace` is the wall seconds each minute takes (60: real speed)."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable, Mapping
from decimal import Decimal
from itertools import groupby
from pathlib import Path

from devtools.feeds.servers import FakeFeed
from devtools.feeds.wire import Print

QUARTER_MS = 15_000


def tape(bars: Path, keys: Mapping[str, str], start_ms: int) -> list[list[list[Print]]]:
    """Per minute of the file, four frames of prints (one print per symbol each)."""
    with bars.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["symbol"] in keys]
    cum: dict[str, int] = {}
    minutes = []
    for n, (_, group) in enumerate(groupby(rows, key=lambda r: r["ts"])):
        frames: list[list[Print]] = [[], [], [], []]
        for row in group:
            symbol, volume = row["symbol"], int(row["volume"])
            base = cum.get(symbol, 0)
            cum[symbol] = base + volume
            prices = [row[k] for k in ("open", "high", "low", "close")]
            for q, price in enumerate(prices):
                frames[q].append(Print(
                    keys[symbol], int(Decimal(price) * 100),
                    start_ms + n * 60_000 + q * QUARTER_MS + 1,
                    base + volume * (q + 1) // 4, volume // 4))
        minutes.append(frames)
    return minutes


async def play(fake: FakeFeed, minutes: list[list[list[Print]]],
               encode: Callable[[list[Print]], bytes], pace: float) -> int:
    """Send every frame, `pace / 4` wall seconds apart; how many frames were sent."""
    sent = 0
    for frames in minutes:
        for prints in frames:
            await fake.push(encode(prints))
            sent += 1
            await asyncio.sleep(pace / 4)
    return sent
