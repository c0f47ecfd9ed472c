"""`desk run` in a subprocess against a local Upstox V3 fake: bars land in the store (which
`desk replay verify` then checks: the chain, and a rebuild against the view saved on stop),
the feed's state is on /ready, /metrics and the console's header in Chromium, and a bad
feeds file stops it with the reason."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from playwright.async_api import async_playwright, expect

from adapters.eventstore.store import DeskStore
from devtools.feeds.servers import FakeUpstoxFeed
from devtools.feeds.wire import Print, upstox_frame
from tests.conftest import service_unavailable
from tests.integration.test_live_feeds import RELIANCE, TOKEN, at

CHROMIUM = Path("/usr/bin/chromium")

VIEWER = "viewer-token-0123456789"


def desk_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DESK_STORE"}
    env.update(UPSTOX_ACCESS_TOKEN=TOKEN, DESK_API_TOKENS=f"ops:viewer:{VIEWER}")
    return env


async def served_url(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    while line := (await proc.stdout.readline()).decode():
        if line.startswith("serving "):
            return line.split()[1].rstrip("/")
    raise AssertionError("desk run exited before serving")


async def console_feeds(url: str) -> str:
    """The console header's feed line, as Chromium shows it."""
    if not CHROMIUM.exists():
        service_unavailable(f"{CHROMIUM} is missing (scripts/install-system-deps.sh installs it)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = await browser.new_page()
        await page.goto(f"{url}/")
        badge = page.locator("#market-feeds")
        await expect(badge).to_be_visible(timeout=30_000)
        text = await badge.inner_text()
        await browser.close()
        return text


async def bars_logged(db: Path, count: int) -> None:
    store = DeskStore(f"sqlite:///{db}")
    while len(store.stream("bars-RELIANCE-20261120")) < count:
        await asyncio.sleep(0.1)


def test_desk_run_when_the_feed_sends_ticks_then_bars_commit_and_the_feed_shows_ready(
    tmp_path: Path,
) -> None:
    db = tmp_path / "desk.db"

    async def body() -> tuple[dict[str, object], str, str]:
        fake = FakeUpstoxFeed(TOKEN)
        await fake.start()
        config = tmp_path / "feeds.yaml"
        config.write_text(json.dumps({"feeds": [{
            "venue": "upstox", "mode": "full", "api_host": fake.base_url,
            "instruments": {RELIANCE: "RELIANCE"}}]}))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli", "run", "--feeds", str(config), "--port", "0",
            "--store", f"sqlite:///{db}", env=desk_env(), stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL)
        try:
            url = await asyncio.wait_for(served_url(proc), 240)
            await asyncio.wait_for(fake.wait_requests(1), 60)
            await fake.push(upstox_frame([Print(RELIANCE, 290000, at(1), 1000, 10),
                                          Print(RELIANCE, 291000, at(30), 1200, 10)]))
            await fake.push(upstox_frame([Print(RELIANCE, 290500, at(61), 1300, 10)]))
            await asyncio.wait_for(bars_logged(db, 2), 120)
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                ready = (await http.get("/ready")).json()
                metrics = (await http.get(
                    "/metrics", headers={"Authorization": f"Bearer {VIEWER}"})).text
            header = await console_feeds(url)
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 60)
            await fake.stop()
        return ready, metrics, header

    ready, metrics, header = asyncio.run(body())

    [feed] = ready["feeds"]  # type: ignore[misc]
    assert feed["name"] == "upstox" and feed["connected"] is True and feed["subscribed"] == 1
    assert 'desk_feed_connected{feed="upstox"} 1' in metrics
    assert header.startswith("feeds: upstox connected, lag ")
    store = DeskStore(f"sqlite:///{db}")
    bars = store.stream("bars-RELIANCE-20261120")
    assert [e.type for e in bars] == ["BarClosed", "BarClosed"]  # one by tick, one by clock
    verify = subprocess.run([sys.executable, "-m", "cli", "replay", "verify", "--store",
                             f"sqlite:///{db}"], env=desk_env(), capture_output=True,
                            text=True, timeout=240)
    # `desk run` saves its view on stop: the rebuild from the log is compared with it.
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "the rebuild matches the live state" in verify.stdout


def test_desk_run_when_the_feeds_file_names_an_unknown_venue_then_exit_2(
    tmp_path: Path,
) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text("feeds:\n  - venue: bloomberg\n    instruments: {X: TCS}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "run", "--feeds", str(config), "--store",
         f"sqlite:///{tmp_path / 'desk.db'}"], env=desk_env(), capture_output=True,
        text=True, timeout=240)
    assert proc.returncode == 2
    assert "feed 1: venue must be one of upstox, kite, got 'bloomberg'" in proc.stderr
