"""A scripted live trading day for `desk run`: half an hour of the sample day (09:40-10:10
IST, 2026-11-20) streamed tick by tick through a local Upstox V3 feed (protobuf) or Kite
ticker (binary packets), and NSE's Infosys buyback filing published on a local
announcements site once the tape passes 10:05:30.

The tape keeps the session's own timestamps, so `desk run --clock feed` lives in the
session's time however fast it is played (`pace`: wall seconds per session minute; 60 is
real speed; Kite's `full` mode, as Upstox's, carries the trade time). The desk sees only
the wire: the feed's frames, the exchange's JSON from the poller. The tape never waits for
a person: a card waits for its approver while the session's time moves on, and past 10:10
the tape plays on (up to `OVERTIME_MINUTES` more of the sample day) while a decision or its
fill is still to come, as a real market does. An operator opens the
account over the API (the intake conversation) once the session has begun, so every fact
is stamped in the session's time. `LiveDay` also writes the files `desk run` reads (feeds,
pollers) and makes up an operator team's tokens, so a test and the `python -m
devtools.live_day` walkthrough drive the same session.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiohttp import web

from adapters.files.sample import SAMPLE_DIR, load_instruments
from devtools import news_site
from devtools.feeds.servers import FakeKiteTicker, FakeUpstoxFeed
from devtools.feeds.tape import QUARTER_MS, tape
from devtools.feeds.wire import Print, kite_frame, upstox_frame

IST = ZoneInfo("Asia/Kolkata")
SESSION_START = datetime(2026, 11, 20, 9, 40, tzinfo=IST)
SESSION_MINUTES = 30
OVERTIME_MINUTES = 60  # the sample day played on after 10:10 while a card waits
SYMBOLS = ("INFY", "RELIANCE", "TCS", "HDFCBANK")
FILING = news_site.SAMPLE_FILING  # Infosys: buyback through the tender offer route
FILED_AT = datetime(2026, 11, 20, 10, 5, 30, tzinfo=IST)
ACCOUNT = {"account_id": "live-day", "name": "Live day — growth"}
ANSWERS = {"goal": "growth", "capital": "10 lakh", "risk": "1.5% per trade, 25% max position",
           "loss_limits": "₹40,000 a day and 10%", "horizon": "swing", "sectors": "",
           "cash_buffer": "5%", "approval": "manual"}
ROLES = ("admin", "approver", "viewer")
KITE_KEY = "live-day-key"


def epoch_ms(at: datetime) -> int:
    """Milliseconds since the epoch, as the feeds stamp their ticks."""
    return int(at.timestamp() * 1000)


@dataclass
class LiveDay:
    """The session's fakes, files and tape; `play` streams it up to a session time."""

    folder: Path
    pace: float = 1.0
    venue: str = "upstox"  # or "kite"
    bars: Path = SAMPLE_DIR / "bars.csv"
    feed: FakeUpstoxFeed | FakeKiteTicker = field(init=False)
    site: news_site.NewsSite = field(init=False)
    tokens: dict[str, str] = field(init=False)
    minutes: list[list[list[Print]]] = field(init=False)
    played: int = 0  # minutes of the tape sent
    filed: bool = False
    # When set, the tape holds after the filing goes up until this returns (the desk has
    # logged the filing): two sessions then log the filing between the same two bars,
    # where otherwise the poller's half-second cadence decides which side of 10:06 it falls.
    filing_logged: Callable[[], Awaitable[None]] | None = None
    _site_runner: web.AppRunner | None = None

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.tokens = {role: secrets.token_urlsafe(24) for role in ROLES}
        self.feed_token = secrets.token_urlsafe(16)
        instruments = load_instruments(SAMPLE_DIR / "instruments.csv")
        if self.venue == "upstox":
            self.feed = FakeUpstoxFeed(self.feed_token)
            self.keys = {s: f"NSE_EQ|{instruments[s].isin}" for s in SYMBOLS}
        else:  # NSE equity tokens: (exchange token << 8) | 1
            self.feed = FakeKiteTicker(KITE_KEY, self.feed_token)
            self.keys = {s: str(((n + 1) << 8) | 1) for n, s in enumerate(SYMBOLS)}
        session = self._session_bars()
        self.minutes = tape(session, self.keys, epoch_ms(SESSION_START))

    def _session_bars(self) -> Path:
        """The session's bars (its symbols, its half hour and the minute that closes it,
        then the overtime the tape plays on while a card waits)."""
        end = SESSION_START + timedelta(minutes=SESSION_MINUTES + OVERTIME_MINUTES)
        with self.bars.open(newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["symbol"] in SYMBOLS
                    and SESSION_START <= datetime.fromisoformat(r["ts"]) <= end]
        path = self.folder / "session-bars.csv"
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return path

    @property
    def feeds_file(self) -> Path:
        """The `--feeds` file: the Upstox fake, full mode, the session's symbols."""
        return self.folder / "feeds.json"

    @property
    def pollers_file(self) -> Path:
        """The `--news-config` file: the announcements site, polled twice a second."""
        return self.folder / "pollers.json"

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """`base` with what `desk run` needs: the feed's token and the team's tokens."""
        env = {k: v for k, v in base.items() if k != "DESK_STORE"}
        if self.venue == "upstox":
            env.update(UPSTOX_ACCESS_TOKEN=self.feed_token)
        else:
            env.update(KITE_API_KEY=KITE_KEY, KITE_ACCESS_TOKEN=self.feed_token)
        env.update(DESK_API_TOKENS=",".join(f"{r}:{r}:{t}" for r, t in self.tokens.items()))
        return env

    async def start(self) -> None:
        """Serve the feed and the announcements site on 127.0.0.1; write the files."""
        await self.feed.start()
        self.site, self._site_runner = await news_site.start()
        where = ({"ws_url": self.feed.ws_url} if isinstance(self.feed, FakeKiteTicker)
                 else {"api_host": self.feed.base_url})
        self.feeds_file.write_text(json.dumps({"feeds": [{
            "venue": self.venue, "mode": "full", **where,
            "instruments": {key: symbol for symbol, key in self.keys.items()}}]}, indent=2))
        self.pollers_file.write_text(json.dumps({
            "interval_seconds": 0.5, "timeout_seconds": 10,
            "nse": {"base_url": self.site.base_url}}, indent=2))

    def desk_command(self, store: str, port: int = 0) -> list[str]:
        """`desk run` on the session's files, its time taken from the feed."""
        return [sys.executable, "-m", "cli", "run", "--feeds", str(self.feeds_file),
                "--news-config", str(self.pollers_file), "--clock", "feed",
                "--port", str(port), "--store", store]

    async def open_account(self, url: str) -> str:
        """The admin opens a growth account with manual approval through the API's intake
        conversation; its id."""
        admin = {"Authorization": f"Bearer {self.tokens['admin']}"}
        async with httpx.AsyncClient(base_url=url, headers=admin, timeout=60) as http:
            step = (await http.post("/api/v1/intake", json=ACCOUNT)).raise_for_status().json()
            while step["step"] == "ask":
                answer = {"text": ANSWERS.get(step["question"]["key"], "")}
                step = (await http.post(f"/api/v1/intake/{step['session_id']}/answer",
                                        json=answer)).raise_for_status().json()
            opened = await http.post(f"/api/v1/intake/{step['session_id']}/confirm")
            return str(opened.raise_for_status().json()["account"]["account_id"])

    async def play(self, until: datetime | None = None) -> None:
        """Stream the tape's minutes that start before `until` (when None: the session's
        half hour and its closing minute, 10:10), `pace / 4` wall seconds a frame; the
        filing goes up once a frame past its time is sent (then `filing_logged`, if set,
        is awaited before the next frame)."""
        until = until or SESSION_START + timedelta(minutes=SESSION_MINUTES + 1)
        left = -(-int((until - SESSION_START).total_seconds()) // 60)
        encode = upstox_frame if self.venue == "upstox" else kite_frame
        while self.played < min(left, len(self.minutes)):
            start_ms = epoch_ms(SESSION_START) + self.played * 60_000
            for q, prints in enumerate(self.minutes[self.played]):
                await self.feed.push(encode(prints))
                if not self.filed and start_ms + q * QUARTER_MS >= epoch_ms(FILED_AT):
                    self.site.set_announcements([FILING])
                    self.filed = True
                    if self.filing_logged is not None:
                        await self.filing_logged()
                await asyncio.sleep(self.pace / 4)
            self.played += 1

    async def play_on(self, pending: asyncio.Future[Any]) -> bool:
        """Play the overtime minute by minute while `pending` (a decision, a fill) is not
        done; whether it is done (False: the sample day ran out first)."""
        while not pending.done() and self.played < len(self.minutes):
            await self.play(until=SESSION_START + timedelta(minutes=self.played + 1))
        return pending.done()

    async def close(self) -> None:
        """Stop the fakes."""
        await self.feed.stop()
        if self._site_runner is not None:
            await self._site_runner.cleanup()


async def decided(url: str, token: str) -> str:
    """Wait until the session's buyback card has left the queue; its status."""
    viewer = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=viewer, timeout=60) as http:
        while True:
            cards = (await http.get("/api/v1/cards")).raise_for_status().json()["cards"]
            for card in cards:
                if card["strategy"] == "buyback" and card["status"] != "PROPOSED":
                    return f"{card['card_id']} {card['status']}"
            await asyncio.sleep(1)


async def walkthrough(store: str, folder: Path, pace: float, port: int, venue: str) -> None:
    """Run `desk run` on the session and play it; the buyback card waits in the console for
    a decision while the tape plays on (past 10:10 IST until it is decided and, when
    approved, filled, or the sample day runs out). Ctrl-C (or SIGTERM)
    stops the desk, which saves its live state for `desk replay verify`."""
    day = LiveDay(folder, pace, venue)
    await day.start()
    desk = await asyncio.create_subprocess_exec(
        *day.desk_command(store, port), env=day.env(dict(os.environ)),
        stdout=asyncio.subprocess.PIPE)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    session = asyncio.create_task(_session(day, desk, store))
    try:
        await asyncio.wait([session, asyncio.create_task(stop.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        session.cancel()
        if desk.returncode is None:
            desk.send_signal(signal.SIGTERM)
            await desk.wait()
        await day.close()
    if session.done() and not session.cancelled() and session.exception():
        raise SystemExit(str(session.exception()))


async def _session(day: LiveDay, desk: asyncio.subprocess.Process, store: str) -> None:
    assert desk.stdout is not None
    url = ""
    while not url and (line := (await desk.stdout.readline()).decode()):
        print(line, end="", flush=True)
        url = line.split()[1].rstrip("/") if line.startswith("serving ") else ""
    if not url:
        raise RuntimeError("desk run stopped before serving")
    print(f"console {url}/  tokens: " + ", ".join(f"{r} {t}" for r, t in day.tokens.items()),
          flush=True)
    await day.feed.wait_requests(1)
    await day.play(until=SESSION_START + timedelta(minutes=1))
    print(f"opened account {await day.open_account(url)} at 09:41 IST", flush=True)
    print("10:05:30 IST NSE publishes the Infosys buyback; approve or reject its card in "
          "the console (approver token above) while the tape plays on", flush=True)
    decision = asyncio.create_task(decided(url, day.tokens["viewer"]))
    decision.add_done_callback(_print_decision)
    await day.play()
    if not decision.done():
        print("10:10 IST: the card still waits; the tape plays on past the half hour",
              flush=True)
    await day.play_on(decision)
    await day.play(until=SESSION_START + timedelta(minutes=day.played + 2))  # a fill's bars
    decision.cancel()
    print(f"session over at minute {day.played}; stop with Ctrl-C, then `desk replay verify "
          f"--store {store}` compares the state rebuilt from the log with the live one",
          flush=True)
    await desk.wait()


def _print_decision(task: asyncio.Task[str]) -> None:
    if not task.cancelled() and task.exception() is None:
        print(f"decided: {task.result()}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="devtools.live_day",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="sqlite:///.desk/live-day.db",
                        help="the event store `desk run` writes (a fresh one for a clean day)")
    parser.add_argument("--dir", default=".desk/live-day", help="where the session's files go")
    parser.add_argument("--pace", type=float, default=6.0,
                        help="wall seconds per session minute (60: real speed; default 6)")
    parser.add_argument("--port", type=int, default=8000, help="the desk's port")
    parser.add_argument("--venue", choices=("upstox", "kite"), default="upstox",
                        help="the feed the tape plays through (default upstox)")
    options = parser.parse_args()
    asyncio.run(walkthrough(options.store, Path(options.dir), options.pace, options.port,
                            options.venue))
