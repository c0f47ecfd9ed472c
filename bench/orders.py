"""Orders placed and acknowledged per second through each broker adapter against its local
fake, and the desk's own time per order, side by side with the paper broker.

    uv run python -m bench.orders [--orders N] [--concurrency N] [--profile]

Each fake (devtools/venues) serves from its own thread and event loop; the adapter runs on
the main thread. "desk CPU/order" is the main thread's CPU time (`time.thread_time`) per
bracket: our adapter, its JSON and the aiohttp client, and nothing of the fake's: the time
the event loop is busy per order. "all threads" adds the desk's other threads (the
journals' writer, which syncs to disk off the loop): the process's CPU time less the fake
thread's. Two runs
per adapter: "capacity", with the adapter's rate limiter opened wide (what our code could
do), and "venue limits", with the limits each venue documents (what it will do: Upstox and
Kite 10 orders/s, the IBKR gateway 10 requests/s). The goal is < 1 ms of desk time per
order. Figures depend on the machine and its load (printed with them); nothing is asserted
about time. `--profile` prints where each capacity run's main-thread CPU time went (cProfile
timed by the thread's CPU clock, so time waiting on a loaded machine does not count).

The Upstox and Kite adapters sync their journal line to disk (fsync, on the journal's writer
thread) before each order goes out: a third run of each, "no fsync", turns that off beside
the capacity run, and the journal's own append is timed with and without the sync (wall
microseconds per append, one at a time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import structlog

from adapters.brokers.ibkr import IbkrConfig, IbkrVenue
from adapters.brokers.intents import AppendLog
from adapters.brokers.paper.broker import PaperBroker
from adapters.brokers.ratelimit import RateLimiter, Window
from adapters.brokers.upstox import UpstoxConfig, UpstoxVenue
from adapters.brokers.upstox.session import AccessToken, save_token
from adapters.brokers.zerodha import KiteConfig, ZerodhaVenue
from adapters.brokers.zerodha.parsing import client_tag
from devtools.venues import ibkr as ibkr_fake
from devtools.venues import upstox as upstox_fake
from devtools.venues.ibkr_app import ACCOUNT
from devtools.venues.zerodha import KiteFake
from domain.events import OrderPlaced
from domain.values import Side
from domain.venue import BracketRequest, VenueError, VenueErrorKind
from streams.ports import Venue

T = TypeVar("T")
WIDE_OPEN = (Window(1_000_000, 1.0),)
KITE_KEY, KITE_SECRET, KITE_TOKEN = "benchkey", "benchsecret", "benchtoken"


class FakeThread:
    """An event loop on its own thread, serving one fake venue."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Awaitable[T]) -> T:
        """Run `coro` on the fake's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()  # type: ignore[arg-type]

    def cpu(self) -> float:
        """CPU seconds the fake's thread has used so far."""
        return self.run(thread_cpu())

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()


async def thread_cpu() -> float:
    return time.thread_time()


@dataclass
class Figures:
    broker: str
    mode: str
    orders: int
    seconds: float
    cpu_seconds: float
    all_cpu_seconds: float
    rate_limited: int = 0

    @property
    def per_second(self) -> float:
        return self.orders / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds / self.orders * 1000

    @property
    def all_cpu_ms(self) -> float:
        return self.all_cpu_seconds / self.orders * 1000


def bracket(n: int) -> BracketRequest:
    return BracketRequest(client_order_id=f"order-bench-{n:06d}", symbol="INFY",
                          isin="INE009A01021", quantity=10, stop=Decimal("1450.00"),
                          target=Decimal("1560.00"), intraday=False,
                          reference_price=Decimal("1500.00"))


@asynccontextmanager
async def upstox(fakes: FakeThread, state: Path, limits: bool) -> AsyncIterator[Venue]:
    # The fake enforces Upstox's 10 orders/s itself; a capacity run lifts it too.
    upstox_fake.ORDER_RATE = 10 if limits else 10**9
    fake, runner = fakes.run(upstox_fake.start())
    config = UpstoxConfig(api_host=fake.base_url, order_host=fake.base_url,
                          instruments_url=fake.base_url + upstox_fake.INSTRUMENTS_PATH,
                          state_dir=state / "upstox", request_timeout=10.0)
    if not limits:
        config = replace(config, order_windows=WIDE_OPEN)
    save_token(config.token_path, AccessToken(fake.token, datetime(2100, 1, 1, tzinfo=UTC)))
    venue = UpstoxVenue(config)
    try:
        yield venue
    finally:
        await venue.close()
        fakes.run(runner.cleanup())


@asynccontextmanager
async def zerodha(fakes: FakeThread, state: Path, limits: bool) -> AsyncIterator[Venue]:
    fake = KiteFake(api_key=KITE_KEY, api_secret=KITE_SECRET, access_token=KITE_TOKEN,
                    tag_of=client_tag)
    runner = fakes.run(fake.start("127.0.0.1", 0))
    venue = ZerodhaVenue(KiteConfig(
        api_key=KITE_KEY, api_secret=KITE_SECRET, access_token=KITE_TOKEN, api_url=fake.url,
        ticker_url=fake.ticker_url, timeout_seconds=10.0, token_path=state / "kite.token"))
    if not limits:  # Kite's limits are not configurable: they are Kite's rules
        venue.client.order_limits = RateLimiter(*WIDE_OPEN)
        venue.client.other_limits = RateLimiter(*WIDE_OPEN)
    try:
        yield venue
    finally:
        await venue.close()
        fakes.run(runner.cleanup())


@asynccontextmanager
async def ibkr(fakes: FakeThread, state: Path, limits: bool) -> AsyncIterator[Venue]:
    gateway = ibkr_fake.IbkrGateway()
    runner, url = fakes.run(ibkr_fake.start(gateway))
    config = IbkrConfig.from_env({"IBKR_ACCOUNT_ID": ACCOUNT, "IBKR_BASE_URL": url})
    if not limits:
        config = replace(config, windows=WIDE_OPEN)
    venue = IbkrVenue(config)
    try:
        yield venue
    finally:
        await venue.close()
        fakes.run(runner.cleanup())


VENUES: dict[str, Callable[[FakeThread, Path, bool], Any]] = {
    "upstox": upstox, "zerodha": zerodha, "ibkr": ibkr}


async def place_all(venue: Venue, orders: int, concurrency: int, offset: int) -> int:
    """Place `orders` brackets, `concurrency` in flight at a time; every one must be acked.
    A 429 is retried a second later, as the router's next pass would; the 429s seen."""
    queue = iter(range(offset, offset + orders))
    refused: list[str] = []
    limited = 0

    async def worker() -> None:
        nonlocal limited
        for n in queue:
            while True:
                try:
                    ack = await venue.place_bracket(bracket(n))
                    break
                except VenueError as e:
                    # A request the fake's thread handled late (this machine is loaded)
                    # can land in the venue's next second beside the ones sent then.
                    if e.kind is not VenueErrorKind.RATE_LIMITED:
                        raise
                    limited += 1
                    await asyncio.sleep(1.0)
            if not ack.accepted:
                refused.append(ack.reason)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    if refused:
        raise SystemExit(f"{venue.name}: {len(refused)} refused, e.g. {refused[0]}")
    return limited


def measure_venue(name: str, mode: str, orders: int, concurrency: int,
                  profile: cProfile.Profile | None = None) -> Figures:
    fakes = FakeThread()

    async def main() -> Figures:
        with tempfile.TemporaryDirectory() as tmp:
            async with VENUES[name](fakes, Path(tmp), mode == "venue limits") as venue:
                await place_all(venue, 3, 1, 900_000)  # warm up: session, instruments
                if profile is not None:  # only this thread: the fake's is not profiled
                    profile.enable()
                fake_before = fakes.cpu()
                with timed() as t:
                    limited = await place_all(venue, orders, concurrency, 0)
                fake_cpu = fakes.cpu() - fake_before
                if profile is not None:
                    profile.disable()
        return Figures(name, mode, orders, t.seconds, t.cpu, t.process_cpu - fake_cpu,
                       limited)

    try:
        return asyncio.run(main())
    finally:
        fakes.stop()


def measure_paper(orders: int) -> Figures:
    broker = PaperBroker()
    placed = [OrderPlaced(order_id=f"order-bench-{n:06d}", card_id=f"card-bench-{n:06d}",
                          account_id="bench", broker="paper", symbol="INFY", side=Side.BUY,
                          quantity=10, stop=Decimal("1450.00"), target=Decimal("1560.00"),
                          square_off=False, reserved=Decimal("15100.00"))
              for n in range(orders)]
    with timed() as t:
        for order in placed:
            if not broker.place_bracket(order).accepted:
                raise SystemExit("paper refused a bracket")
    return Figures("paper", "in process", orders, t.seconds, t.cpu, t.process_cpu)


JOURNALED = ("upstox", "zerodha")  # the adapters that write a journal line per order


@contextmanager
def journals_synced(durable: bool) -> Iterator[None]:
    """Run with the adapters' journals synced on every append, or not (the peer run)."""
    before = AppendLog.durable
    AppendLog.durable = durable
    try:
        yield
    finally:
        AppendLog.durable = before


def measure_journal(appends: int, durable: bool) -> float:
    """Wall microseconds per journal append, synced to disk or not."""
    with tempfile.TemporaryDirectory() as tmp, journals_synced(durable):
        journal = AppendLog(Path(tmp) / "intents")
        with timed() as t:
            for n in range(appends):
                journal.append({"coid": f"order-bench-{n:06d}"})
        journal.close()
    return t.seconds / appends * 1e6


@dataclass
class Timer:
    seconds: float = 0.0
    cpu: float = 0.0
    process_cpu: float = 0.0


@contextmanager
def timed() -> Iterator[Timer]:
    timer = Timer()
    wall, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
    yield timer
    timer.seconds, timer.cpu = time.perf_counter() - wall, time.thread_time() - cpu
    timer.process_cpu = time.process_time() - process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300, help="brackets per capacity run")
    parser.add_argument("--limited", type=int, default=30,
                        help="brackets per run under the venue's rate limits")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    parser.add_argument("--profile", action="store_true",
                        help="print each capacity run's top main-thread functions")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    rows = [measure_paper(args.orders)]
    for name in VENUES:
        profile = cProfile.Profile(time.thread_time) if args.profile else None
        rows.append(measure_venue(name, "capacity", args.orders, args.concurrency, profile))
        if profile is not None:
            print(f"--- {name}: where the main thread's CPU time went (cProfile, own time)")
            pstats.Stats(profile).sort_stats("tottime").print_stats(12)
        if name in JOURNALED:
            with journals_synced(False):
                rows.append(measure_venue(name, "no fsync", args.orders, args.concurrency))
        rows.append(measure_venue(name, "venue limits", args.limited, args.concurrency))
    synced, unsynced = (measure_journal(args.orders, durable) for durable in (True, False))
    paper = rows[0]
    one, five, fifteen = os.getloadavg()
    print(f"load average (1/5/15 min): {one:.1f} {five:.1f} {fifteen:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"{'broker':<9}{'mode':<14}{'orders':>7}{'orders/s':>11}{'desk CPU/order':>16}"
          f"{'all threads':>14}{'x paper':>10}{'goal <1 ms':>12}{'429s':>6}")
    for r in rows:
        print(f"{r.broker:<9}{r.mode:<14}{r.orders:>7}{r.per_second:>11.1f}"
              f"{r.cpu_ms:>13.3f} ms{r.all_cpu_ms:>11.3f} ms{r.cpu_ms / paper.cpu_ms:>10.0f}"
              f"{'yes' if r.cpu_ms < 1 else 'NO':>12}{r.rate_limited:>6}")
    print(f"journal append: {synced:.0f} us synced (fsync), {unsynced:.1f} us not synced "
          f"(x{synced / unsynced:.0f}), {args.orders} appends")


if __name__ == "__main__":
    main()
