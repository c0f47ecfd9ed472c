"""API read latency and throughput: the approval queue and positions under local load.

    uv run python -m bench.api [--clients 16] [--requests 3000] [--seconds 20]
                               [--client aiohttp|httpx|both] [--store URL]

Seeds a store with the whole sample day (approved by the demo policy, so there
are orders and positions), starts `desk serve` on it in a subprocess on a free loopback
port, then drives GET /api/v1/cards and GET /api/v1/positions in turn with N concurrent
clients sharing one connection pool, each endpoint until `--requests` answers or
`--seconds` have passed. Prints p50/p99 latency seen by the clients, requests/s, and the
server's own mean handling time from /metrics.

The load generator shares the machine (and its cores) with the server, so its own cost
per request caps what it can show: httpx's async pool costs several milliseconds a
request under concurrency, aiohttp's client well under one. `both` (the default) prints
each, so the server's figures (aiohttp) can be told from the client's (httpx).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx

from adapters.files.sample import SAMPLE_DIR
from streams.bootstrap import wall_clock
from streams.demo import run_demo

HOST = "127.0.0.1"  # loopback only: this is a local benchmark, never a load test of a host
ENDPOINTS = ("/api/v1/cards", "/api/v1/positions")


@dataclass(frozen=True)
class Figures:
    endpoint: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def seed(url: str) -> int:
    """The whole sample day (accounts opened by `bench`, cards approved by the demo policy);
    returns the log head."""
    desk = run_demo(url, SAMPLE_DIR, "bench", wall_clock)
    head = desk.store.head()
    desk.store.close()
    return head


def start_server(url: str, token: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "DESK_API_TOKENS": f"bench:viewer:{token}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--store", url, "--host", HOST,
         "--port", "0"],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("serving "):
            return proc, line.split()[1].rstrip("/")
    raise RuntimeError(f"desk serve exited with {proc.wait()} before serving")


async def drive(base: str, token: str, endpoint: str, clients: int, requests: int,
                seconds: float, library: str) -> Figures:
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with _client(library, base, headers, clients) as get:
        for _ in range(20):  # warm up connections and caches
            await get(endpoint)
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal errors
            while len(latencies) + errors < requests and time.monotonic() < deadline:
                started = time.perf_counter()
                status = await get(endpoint)
                elapsed = time.perf_counter() - started
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return Figures(
        f"{endpoint} ({library})", len(ordered), errors, wall,
        statistics.median(ordered) * 1000,
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    )


Get = Callable[[str], Awaitable[int]]


@asynccontextmanager
async def _client(library: str, base: str, headers: dict[str, str], clients: int
                  ) -> AsyncIterator[Get]:
    """A GET function (path -> status, body read) over one pool of `clients` connections."""
    if library == "httpx":
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                     verify=False, timeout=30) as client:
            async def get_httpx(path: str) -> int:
                return (await client.get(path)).status_code

            yield get_httpx
        return
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(base, headers=headers, connector=connector) as session:
        async def get_aiohttp(path: str) -> int:
            async with session.get(path) as response:
                await response.read()
                return response.status

        yield get_aiohttp


def server_means(base: str, token: str) -> dict[str, float]:
    """Mean handling time per route (ms), from the server's own histogram."""
    text = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}).text
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for line in text.splitlines():
        for suffix, into in (("_sum", sums), ("_count", counts)):
            prefix = f"desk_api_request_duration_seconds{suffix}{{route=\""
            if line.startswith(prefix) and 'method="GET"' in line:
                route = line[len(prefix):].split('"', 1)[0]
                into[route] = float(line.rsplit(" ", 1)[1])
    return {r: sums[r] / counts[r] * 1000 for r in sums if counts.get(r)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=3000, help="answers per endpoint")
    parser.add_argument("--seconds", type=float, default=20.0, help="time cap per endpoint")
    parser.add_argument("--client", choices=("aiohttp", "httpx", "both"), default="both",
                        help="load generator's HTTP client (default: both, one after the other)")
    parser.add_argument("--store", default=None,
                        help="a store already holding the sample day (default: seed a new one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="desk-bench-api-") as tmp:
        url = args.store or f"sqlite:///{Path(tmp) / 'desk.db'}"
        t0 = time.perf_counter()
        head = seed(url)
        print(f"store: sample day, {head:,} events (seeded in {time.perf_counter() - t0:.1f} s)")
        token = secrets.token_urlsafe(24)
        proc, base = start_server(url, token)
        try:
            print(f"server: desk serve at {base}; {args.clients} clients, up to "
                  f"{args.requests} requests or {args.seconds:.0f} s per endpoint")
            libraries = ("aiohttp", "httpx") if args.client == "both" else (args.client,)
            results = [asyncio.run(drive(base, token, e, args.clients, args.requests,
                                         args.seconds, lib))
                       for lib in libraries for e in ENDPOINTS]
            means = server_means(base, token)
        finally:
            proc.terminate()
            proc.wait(15)
    print(f"{'endpoint (client)':<30} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'server mean ms':>15}")
    for f in results:
        route = f.endpoint.split()[0]
        print(f"{f.endpoint:<30} {f.requests:>8} {f.errors:>6} {f.per_second:>8.0f} "
              f"{f.p50_ms:>8.2f} {f.p99_ms:>8.2f} {means.get(route, 0.0):>15.3f}")


if __name__ == "__main__":
    main()
