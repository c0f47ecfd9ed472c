"""`desk run --runtime kafka --workers 1` against a real broker: the live day's Upstox V3
fake sends ticks, the desk folds them into bars and logs them (with the NSE poller's buyback
filing) as inputs, the relay and worker the desk started publish the log and decide: the
buyback card the API serves from the workers' views is the card the embedded `desk run`
proposes on the same ticks, the feed's state is on /ready as on the embedded desk, and on
stop the desk saves the workers' view, which `desk replay verify` finds equal to a rebuild."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.eventstore.store import DeskStore
from devtools.live_day import SESSION_START, LiveDay
from tests.integration.test_desk_run import served_url
from tests.integration.test_live_day import waiting_card

# Two `desk run` sessions (Kafka, then embedded) of the live day, each with its start-up.
pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.timeout(900)]

STORE_ENV = "DESK_STORE"
STARTUP = 900  # seconds: generous, for a machine shared with other jobs; never a figure


@pytest.fixture
def kafka_flags(kafka_broker: Any, tmp_path: Path) -> list[str]:
    """`desk run` starting its own relay and one worker, on topics of this test's own."""
    return ["--runtime", "kafka", "--workers", "1", "--partitions", "1",
            "--bootstrap", kafka_broker.bootstrap, "--namespace", f"t{uuid.uuid4().hex[:10]}",
            "--log-dir", str(tmp_path / "logs")]


async def announcement_logged(store_url: str) -> None:
    """Once the desk has logged the buyback filing in `store_url`."""
    store = DeskStore(store_url)
    while not any(store.read_all(types=("AnnouncementArrived",))):
        await asyncio.sleep(0.05)


def live_session(
    folder: Path, store: str, flags: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Play the live day to 10:10 through `desk run FLAGS` on `store`; the
    buyback card the desk proposed for INFY and the /ready answer. The tape holds once the
    filing is up until the desk has logged it, so both runtimes log it between the same two
    bars and decide on the same facts: the poller polls twice a second and a session minute
    lasts half a second here, so otherwise the filing lands before or after the 10:06 bar
    close by chance, and the card's reference price with it."""
    day = LiveDay(folder, pace=0.5, filing_logged=lambda: announcement_logged(store))
    [*command, store_flag, _] = day.desk_command(store)
    assert store_flag == "--store"  # the store goes in the environment, never in argv

    async def body() -> tuple[dict[str, Any], dict[str, Any]]:
        await day.start()
        env = {**day.env(dict(os.environ)), STORE_ENV: store}
        log = (folder / "desk-run.log").open("wb")  # the desk's own account, on failure
        proc = await asyncio.create_subprocess_exec(
            *command, *flags, env=env, stdout=subprocess.PIPE, stderr=log
        )
        try:
            url = await asyncio.wait_for(served_url(proc), STARTUP)
            await asyncio.wait_for(day.feed.wait_requests(1), STARTUP)
            await day.play(until=SESSION_START + timedelta(minutes=1))
            await day.open_account(url)
            await day.play()  # to 10:10: bars of four symbols, the filing at 10:05:30
            viewer = {"Authorization": f"Bearer {day.tokens['viewer']}"}
            async with httpx.AsyncClient(base_url=url, headers=viewer, timeout=60) as http:
                card = await asyncio.wait_for(waiting_card(http, "INFY"), STARTUP)
                ready = (await http.get("/ready")).json()
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), STARTUP)  # the workers settle first
            await day.close()
            log.close()
        return card, ready

    return asyncio.run(body())


def test_desk_run_when_runtime_is_kafka_then_live_bars_reach_the_workers_and_the_card_equals_the_embedded_one(  # noqa: E501
    postgres_url: str,
    kafka_flags: list[str],
    tmp_path: Path,
) -> None:
    card, ready = live_session(tmp_path / "kafka", postgres_url, kafka_flags)
    embedded, _ = live_session(tmp_path / "embedded", f"sqlite:///{tmp_path / 'e.db'}",
                               ["--runtime", "embedded"])

    store = DeskStore(postgres_url)
    bars = [e for e in store.stream("bars-INFY-20261120") if e.type == "BarClosed"]
    assert len(bars) >= 30  # every minute of the half hour, logged by `desk run`
    proposed = [
        r.event
        for r in store.read_all()
        if r.event.type == "CardProposed" and r.event.stream_id == card["card_id"]
    ]
    assert len(proposed) == 1  # decided once, by the worker
    assert card == embedded  # same account, side, quantity, prices, expiry and status
    [feed] = ready["feeds"]
    assert feed["name"] == "upstox" and feed["connected"] is True
    # On stop the desk waited for its worker and saved the workers' view: a rebuild from
    # the log equals it, and the relay and worker it started are gone with it.
    verified = subprocess.run(
        [sys.executable, "-m", "cli", "replay", "verify", "--json"],
        env={**os.environ, STORE_ENV: postgres_url}, capture_output=True, text=True,
        timeout=STARTUP,
    )
    verdict = json.loads(verified.stdout)
    assert verified.returncode == 0, verdict["problems"]
    assert verdict["compared_at"] == store.head()
    namespace = kafka_flags[kafka_flags.index("--namespace") + 1]
    assert not _children_alive(namespace)


def _children_alive(namespace: str) -> list[str]:
    """Command lines of processes still running on `namespace`'s topics (the relay and
    workers name it in their arguments)."""
    alive = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:  # gone while we looked
            continue
        if namespace.encode() in argv:
            alive.append(b" ".join(argv).decode(errors="replace"))
    return alive
