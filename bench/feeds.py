"""Live feeds: decode ticks → bars throughput per wire format, and frame → BarClosed latency.

    uv run python -m bench.feeds [--ticks 400000] [--symbols 200] [--per-frame 50]
                                 [--runs 600] [--store URL]

Throughput (one process, so one core, timed in CPU seconds of this process so a loaded
machine's waits do not count): frames are built first (untimed) in each venue's
wire format: Upstox V3 `full` and `ltpc` (protobuf `FeedResponse`, `--per-frame` feeds
each) and Kite `full` (184-byte packets) and `quote` (44). The timed loop decodes every
frame and folds its ticks into one-minute bars (`streams.live_bars.facts_of`, the code the
desk runs), bars closing as the ticks cross minutes. Beside it, in the same run, the peer:
the same frames decoded the way the venues' own SDKs hand ticks to user code (Upstox:
`MessageToDict` on the response; Kite: a dict per packet with prices divided to float),
without any bar building.

Latency (embedded runtime, a SQLite store in a temp dir unless `--store`, the sample
accounts open): each run holds a bar open for one symbol (untimed), then times one frame
whose tick starts the next minute from bytes received to `runtime.ingest` returning with the
closed `BarClosed` committed and every reaction run. p50/p90/p99/max are printed.
Figures depend on the machine and its load (printed); run twice and read the spread.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict

from adapters.feeds.kite.parsing import decode_frame as kite_decode
from adapters.feeds.upstox.parsing import decode_frame as upstox_decode
from adapters.feeds.upstox.parsing import pb
from adapters.files.sample import SAMPLE_DIR, load_instruments
from bench.kafka_parts import bench_accounts, loadavg, percentile, setup_desk
from devtools.feeds.wire import Print, kite_frame, upstox_frame
from domain.bar_builder import BarBuilder
from domain.events import BarClosed
from domain.session import IST
from domain.ticks import FeedBatch, epoch_ms
from streams.bootstrap import bootstrap, wall_clock
from streams.live_bars import facts_of

GOAL_TICKS_PER_S = 200_000
GOAL_P99_MS = 5.0
T0 = datetime(2026, 11, 20, 9, 15, tzinfo=IST)
Decoder = Callable[[bytes, int], Sequence[Any]]


def prints(ticks: int, symbols: int) -> list[Print]:
    """A synthetic tape: `ticks` prints over `symbols` NSE tokens, 4 per symbol-second."""
    start, out, cum = epoch_ms(T0), [], [0] * symbols
    for i in range(ticks):
        s = i % symbols
        cum[s] += 1 + i % 7
        out.append(Print(str(((1000 + s) << 8) | 1), 100_000 + (i * 7919) % 5_000,
                         start + (i // symbols) * 250, cum[s], 1 + i % 7))
    return out


def chunks(items: list[Print], size: int) -> list[list[Print]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def sdk_style_kite(frame: bytes) -> list[dict[str, Any]]:
    """The peer: a dict per packet, prices as float rupees, as the Kite SDK hands them."""
    (count,) = struct.unpack_from(">H", frame, 0)
    at, out = 2, []
    for _ in range(count):
        (size,) = struct.unpack_from(">H", frame, at)
        at += 2
        token, ltp, qty, atp, volume = struct.unpack_from(">IIIII", frame, at)
        tick: dict[str, Any] = {"instrument_token": token, "last_price": ltp / 100,
                                "last_quantity": qty, "average_price": atp / 100,
                                "volume": volume}
        if size == 184:
            (tick["last_trade_time"],) = struct.unpack_from(">I", frame, at + 44)
        out.append(tick)
        at += size
    return out


def sdk_style_upstox(frame: bytes) -> list[dict[str, Any]]:
    """The peer: the response as a dict (`MessageToDict`), as the Upstox SDK hands it."""
    response = pb.FeedResponse()
    response.ParseFromString(frame)
    return [MessageToDict(response)]


def throughput(name: str, frames: list[tuple[bytes, int]], decode: Decoder,
               ticks: int) -> float:
    """Decode + fold every frame (with the time it was received); ticks per CPU second."""
    builder = BarBuilder(name)
    t0 = time.process_time()
    closed = 0
    for frame, received_ms in frames:
        batch = FeedBatch(T0, tuple(decode(frame, received_ms)))
        closed += len(facts_of(batch, builder))
    elapsed = time.process_time() - t0
    if closed == 0:
        sys.exit(f"{name}: no bar closed; the bench tape is wrong")
    return ticks / elapsed


def peer(frames: list[tuple[bytes, int]], decode: Callable[[bytes], list[dict[str, Any]]],
         ticks: int) -> float:
    t0 = time.process_time()
    for frame, _ in frames:
        decode(frame)
    return ticks / (time.process_time() - t0)


def framed(tape: list[Print], size: int, build: Callable[[list[Print]], bytes],
           ) -> list[tuple[bytes, int]]:
    """The tape in frames of `size`, each with the time it is received (its last print's)."""
    return [(build(c), c[-1].at_ms) for c in chunks(tape, size)]


def section_throughput(args: argparse.Namespace) -> None:
    tape = prints(args.ticks, args.symbols)
    upstox_keys = {f"NSE_EQ|{p.key}": f"S{p.key}" for p in tape[:args.symbols]}
    kite_tokens = {int(p.key): f"S{p.key}" for p in tape[:args.symbols]}
    upstox_tape = [Print(f"NSE_EQ|{p.key}", p.ltp_paise, p.at_ms, p.cum_volume, p.last_qty)
                   for p in tape]
    print(f"decode ticks -> 1-minute bars, {args.ticks:,} ticks, {args.symbols} symbols, "
          f"{args.per_frame} per frame, per CPU second of one core "
          f"(goal >= {GOAL_TICKS_PER_S:,} ticks/s)")
    print(f"{'format':<16}{'desk ticks/s':>14}{'x goal':>8}{'SDK-style decode':>18}"
          f"{'desk/SDK':>10}")
    for label, frames, decode, sdk in (
        ("upstox full", framed(upstox_tape, args.per_frame, lambda c: upstox_frame(c, "full")),
         lambda f, ms: upstox_decode(f, upstox_keys, ms).ticks, sdk_style_upstox),
        ("upstox ltpc", framed(upstox_tape, args.per_frame, lambda c: upstox_frame(c, "ltpc")),
         lambda f, ms: upstox_decode(f, upstox_keys, ms).ticks, sdk_style_upstox),
        ("kite full", framed(tape, args.per_frame, lambda c: kite_frame(c, "full")),
         lambda f, ms: kite_decode(f, kite_tokens, ms).ticks, sdk_style_kite),
        ("kite quote", framed(tape, args.per_frame, lambda c: kite_frame(c, "quote")),
         lambda f, ms: kite_decode(f, kite_tokens, ms).ticks, sdk_style_kite),
    ):
        ours = max(throughput(label, frames, decode, args.ticks) for _ in range(2))
        theirs = max(peer(frames, sdk, args.ticks) for _ in range(2))
        print(f"{label:<16}{ours:>14,.0f}{ours / GOAL_TICKS_PER_S:>8.2f}{theirs:>18,.0f}"
              f"{ours / theirs:>10.2f}")


def section_latency(args: argparse.Namespace, tmp: Path) -> None:
    instruments = load_instruments(SAMPLE_DIR / "instruments.csv")
    url = args.store or f"sqlite:///{tmp / 'feeds.db'}"
    desk = bootstrap(url, instruments, clock=wall_clock)
    setup_desk(desk.store, desk.runtime.execute, bench_accounts(args.accounts))
    symbols = sorted(instruments)
    keys = {f"NSE_EQ|{s}": s for s in symbols}
    builder = BarBuilder("upstox")
    ms: list[float] = []
    cpu_ms: list[float] = []
    for run in range(args.runs):
        symbol = symbols[run % len(symbols)]
        minute = T0 + timedelta(minutes=run // len(symbols))
        opening = upstox_frame([Print(f"NSE_EQ|{symbol}", 100_000 + run, epoch_ms(minute),
                                      1000 * (run + 1), 10)])
        facts_of(FeedBatch(minute, tuple(upstox_decode(opening, keys, 0).ticks)), builder)
        crossing = upstox_frame([Print(f"NSE_EQ|{symbol}", 100_100 + run,
                                       epoch_ms(minute + timedelta(minutes=1)),
                                       1000 * (run + 1) + 50, 5)])
        t0, c0 = time.perf_counter(), time.process_time()
        decoded = upstox_decode(crossing, keys, 0)
        facts = facts_of(FeedBatch(minute, tuple(decoded.ticks)), builder)
        written = desk.runtime.ingest(facts)
        ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.process_time() - c0) * 1000)
        if written != 1 or not isinstance(facts[0].payload, BarClosed):
            sys.exit(f"run {run}: expected one BarClosed committed, wrote {written}")
    warm = sorted(ms[args.warmup:])
    cpu = sorted(cpu_ms[args.warmup:])
    print(f"\nframe received -> BarClosed committed (embedded runtime, {args.accounts} "
          f"accounts, {len(warm)} runs after {args.warmup} warm-up; goal p99 < "
          f"{GOAL_P99_MS} ms)")
    print(f"p50 {percentile(warm, 50):.3f} ms  p90 {percentile(warm, 90):.3f} ms  "
          f"p99 {percentile(warm, 99):.3f} ms  max {warm[-1]:.3f} ms  "
          f"(p99 / goal {percentile(warm, 99) / GOAL_P99_MS:.2f}) wall")
    print(f"p50 {percentile(cpu, 50):.3f} ms  p90 {percentile(cpu, 90):.3f} ms  "
          f"p99 {percentile(cpu, 99):.3f} ms  max {cpu[-1]:.3f} ms  CPU time of this process")


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="bench.feeds", description=__doc__.splitlines()[0])
    p.add_argument("--ticks", type=int, default=400_000)
    p.add_argument("--symbols", type=int, default=200)
    p.add_argument("--per-frame", type=int, default=50)
    p.add_argument("--runs", type=int, default=600)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--accounts", type=int, default=50)
    p.add_argument("--store", help="an empty store URL for the latency section")
    args = p.parse_args(argv)
    print(f"load {loadavg()}; python {sys.version.split()[0]}; pid {os.getpid()}")
    section_throughput(args)
    with tempfile.TemporaryDirectory() as tmp:
        section_latency(args, Path(tmp))
    print(f"load {loadavg()}")


if __name__ == "__main__":
    main()
