"""Soak: `desk serve --demo` under concurrent readers, with one malformed request a second.

    uv run python -m bench.soak [--seconds 60] [--clients 16] [--pace 0.1]

Starts `desk serve --demo` on a fresh SQLite store on a free loopback port (the sample day
is fed while the load runs), then for `--seconds` drives `--clients` concurrent readers
over the read routes (health, readiness, metrics, cards, one card's detail, accounts,
positions, a page of the log) while one more task sends a malformed request every second
(undecodable bytes in `Authorization`, a foreign Host, a bad JSON body, a non-numeric
`Last-Event-ID`), and a live-feed client follows the log from position 0 throughout.
Prints the answers by status, `/health` p50/p99/max, and whether the live feed saw every
position of the log. `tests/integration/test_api_soak.py` runs the same soak and asserts
only that no answer was a 5xx and nothing was lost; timing is printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

HOST = "127.0.0.1"  # loopback only: a local soak, never a load test of a host
READS = ("/health", "/ready", "/metrics", "/api/v1/cards", "/api/v1/accounts",
         "/api/v1/positions", "/api/v1/events?limit=50")
MALFORMED = (
    b"GET /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Authorization: Bearer \xff\xfe-not-a-token-at-all\r\nConnection: close\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: rebound.example\r\nConnection: close\r\n\r\n",
    b"POST /api/v1/desk/halt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %TOKEN%\r\n"
    b"Content-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{\"reason\"",
    b"GET /api/v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %TOKEN%\r\n"
    b"Last-Event-ID: \xd9\xa1\xd9\xa2\r\nConnection: close\r\n\r\n",
)


@dataclass
class Soak:
    """What the soak saw: statuses, /health latencies, and the live feed's positions."""

    statuses: Counter[int] = field(default_factory=Counter)
    malformed: Counter[int] = field(default_factory=Counter)
    health_ms: list[float] = field(default_factory=list)
    fed_positions: list[int] = field(default_factory=list)
    log_head: int = 0
    ready_behind: int = 0  # /ready answered 503: the read model was behind the log

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status (/ready's 503 while the view catches up is counted apart)."""
        return sum(n for s, n in (self.statuses + self.malformed).items() if s >= 500)

    @property
    def lost(self) -> list[int]:
        """Positions of the log the live feed never delivered (it followed from 0)."""
        seen = set(self.fed_positions)
        return [p for p in range(1, self.log_head + 1) if p not in seen]

    def percentile(self, q: float) -> float:
        """The `q` quantile of /health latency, in milliseconds."""
        ordered = sorted(self.health_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def start_server(store: str, token: str, pace: float, cwd: Path) -> tuple[subprocess.Popen[str],
                                                                           str]:
    """`desk serve --demo` on a free loopback port; the process and its base URL."""
    tokens = Path(tempfile.mkdtemp(prefix="desk-soak-")) / "tokens.txt"
    tokens.write_text(f"soak:admin:{token}\n")
    tokens.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k not in ("DESK_API_TOKENS", "DESK_STORE")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--demo", "--pace", str(pace), "--port", "0",
         "--host", HOST, "--store", store, "--tokens", str(tokens)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=cwd)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("serving "):
            return proc, line.split()[1].rstrip("/")
    proc.wait(30)
    raise RuntimeError(f"desk serve exited {proc.returncode} without serving")


def _send_raw(url: str, request: bytes) -> int:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = sock.recv(4096)
    return int(answer.split()[1])


async def _reader(session: aiohttp.ClientSession, url: str, until: float, soak: Soak,
                  rng: random.Random) -> None:
    while time.monotonic() < until:
        path = rng.choice(READS)
        if path == "/api/v1/cards" and rng.random() < 0.3:
            async with session.get(f"{url}{path}") as listed:
                cards = (await listed.json()).get("cards", []) if listed.status == 200 else []
            if cards:
                path = f"/api/v1/cards/{rng.choice(cards)['card_id']}"
        started = time.perf_counter()
        async with session.get(f"{url}{path}") as answer:
            await answer.read()
            elapsed = (time.perf_counter() - started) * 1000
            if path == "/ready" and answer.status == 503:
                soak.ready_behind += 1  # by design while the view is behind the log
            else:
                soak.statuses[answer.status] += 1
        if path == "/health":
            soak.health_ms.append(elapsed)


async def _malformed(url: str, token: str, until: float, soak: Soak) -> None:
    n = 0
    while time.monotonic() < until:
        request = MALFORMED[n % len(MALFORMED)].replace(b"%TOKEN%", token.encode())
        soak.malformed[await asyncio.to_thread(_send_raw, url, request)] += 1
        n += 1
        await asyncio.sleep(1.0)


async def _follow(session: aiohttp.ClientSession, url: str, soak: Soak,
                  stop: asyncio.Event) -> None:
    """Follow the live feed from position 0 until `stop`, recording every position."""
    async with session.get(f"{url}/api/v1/events/stream?after=0",
                           timeout=aiohttp.ClientTimeout(total=None)) as feed:
        soak.statuses[feed.status] += 1
        while not stop.is_set():
            try:
                line = await asyncio.wait_for(feed.content.readline(), 1.0)
            except TimeoutError:
                continue
            if not line:
                return
            if line.startswith(b"id: "):
                soak.fed_positions.append(int(line[4:]))


async def soak(url: str, token: str, seconds: float, clients: int, seed: int = 7) -> Soak:
    """Drive the server at `url` for `seconds`; then let the feed catch up with the log."""
    result = Soak()
    until = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=clients + 4)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        stop = asyncio.Event()
        follower = asyncio.create_task(_follow(session, url, result, stop))
        await asyncio.gather(
            *(_reader(session, url, until, result, random.Random(seed + i))
              for i in range(clients)),
            _malformed(url, token, until, result))
        async with session.get(f"{url}/api/v1/events?limit=1") as page:
            result.log_head = int((await page.json())["head"])
        for _ in range(300):  # the feed delivers what was logged before the head was read
            if result.fed_positions and result.fed_positions[-1] >= result.log_head:
                break
            await asyncio.sleep(0.1)
        stop.set()
        await follower
    return result


def report(result: Soak, seconds: float, clients: int) -> str:
    """The figures, one a line."""
    health = result.health_ms
    return "\n".join((
        f"soak: {clients} clients for {seconds:.0f} s, one malformed request a second",
        f"answers by status: {dict(sorted(result.statuses.items()))}",
        f"malformed requests by status: {dict(sorted(result.malformed.items()))}",
        f"/ready said 'behind the log' (503) {result.ready_behind} time(s)",
        f"/health: {len(health)} requests, p50 {statistics.median(health) if health else 0:.1f}"
        f" ms, p99 {result.percentile(0.99):.1f} ms, max {max(health, default=0):.1f} ms",
        f"log head {result.log_head}; live feed delivered {len(set(result.fed_positions))}, "
        f"lost {len(result.lost)}",
        f"5xx answers: {result.server_errors}",
    ))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--pace", type=float, default=0.1,
                        help="desk serve --demo pace: wall seconds per desk minute")
    args = parser.parse_args()
    token = "soak-admin-token-" + os.urandom(8).hex()
    with tempfile.TemporaryDirectory(prefix="desk-soak-") as tmp:
        proc, url = start_server(f"sqlite:///{tmp}/soak.db", token, args.pace,
                                 Path(__file__).resolve().parents[1])
        try:
            result = asyncio.run(soak(url, token, args.seconds, args.clients))
        finally:
            proc.terminate()
            proc.wait(30)
    print(report(result, args.seconds, args.clients))
    print(json.dumps({"p99_health_ms": round(result.percentile(0.99), 2),
                      "server_errors": result.server_errors, "lost": len(result.lost)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
