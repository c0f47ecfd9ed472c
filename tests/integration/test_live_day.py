"""The issue's live day: `desk run` (a subprocess, on the feed clock) takes half an hour of
ticks from a local Upstox V3 feed or Kite ticker and Infosys's buyback filing from a local
NSE site; the buyback becomes a card, an approver approves it over the API, the next bars
fill it, and `desk replay verify` rebuilds from the log the state the live desk saved."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.eventstore.store import DeskStore
from devtools.live_day import ACCOUNT, IST, SESSION_START, LiveDay
from tests.integration.test_desk_run import served_url

CARD_URL = "/api/v1/cards"


async def waiting_card(http: httpx.AsyncClient, symbol: str) -> dict[str, Any]:
    """The first waiting card for `symbol`, once the desk has proposed one."""
    while True:
        cards = (await http.get(CARD_URL, params={"status": "PROPOSED"})).json()["cards"]
        for card in cards:
            if card["symbol"] == symbol and card["strategy"] == "buyback":
                return dict(card)
        await asyncio.sleep(0.5)


async def entry_filled(db: Path, order_stream: str) -> None:
    store = DeskStore(f"sqlite:///{db}")
    while "OrderFilled" not in [e.type for e in store.stream(order_stream)]:
        await asyncio.sleep(0.5)


@pytest.mark.parametrize("venue", ["upstox", "kite"])
def test_desk_run_when_a_live_day_is_played_then_the_buyback_card_is_approved_filled_and_replays(
    tmp_path: Path, venue: str,
) -> None:
    db = tmp_path / "desk.db"
    store_url = f"sqlite:///{db}"
    day = LiveDay(tmp_path / "session", pace=0.5, venue=venue)

    async def body() -> tuple[dict[str, Any], int, dict[str, str], str]:
        await day.start()
        env = day.env(dict(os.environ))
        log = (tmp_path / "desk-run.log").open("wb")  # the desk's own account, on failure
        proc = await asyncio.create_subprocess_exec(
            *day.desk_command(store_url), env=env, stdout=subprocess.PIPE, stderr=log)
        try:
            url = await asyncio.wait_for(served_url(proc), 240)
            await asyncio.wait_for(day.feed.wait_requests(1), 60)
            await day.play(until=SESSION_START + timedelta(minutes=1))
            await day.open_account(url)
            await day.play(until=SESSION_START + timedelta(minutes=27))  # to 10:07
            approver = {"Authorization": f"Bearer {day.tokens['approver']}"}
            async with httpx.AsyncClient(base_url=url, headers=approver, timeout=60) as http:
                card = await asyncio.wait_for(waiting_card(http, "INFY"), 240)
                approved = await http.post(f"{CARD_URL}/{card['card_id']}/approve")
            await day.play()
            order = "order-" + card["card_id"].removeprefix("card-")
            await asyncio.wait_for(entry_filled(db, order), 240)
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 120)
            await day.close()
            log.close()
        return card, approved.status_code, env, order

    card, approved, env, order = asyncio.run(body())

    assert card["account_id"] == ACCOUNT["account_id"] and card["side"] == "BUY"
    assert approved == 200
    store = DeskStore(store_url)
    events = [r.event for r in store.read_all()]
    bars = [e for e in store.stream("bars-INFY-20261120") if e.type == "BarClosed"]
    assert len(bars) == 30  # 09:40 to 10:09, each closed by the next minute's ticks
    [filing] = [e for e in events if e.type == "AnnouncementArrived"]
    assert (filing.payload.symbol, filing.payload.category) == ("INFY", "Buyback")  # type: ignore[attr-defined]
    [approval] = [e for e in events if e.type == "CardApproved"]
    assert approval.actor == "operator:approver"
    # The desk's time is the session's: the approval is stamped between filing and close.
    approved_at = approval.recorded_at.astimezone(IST)
    assert datetime(2026, 11, 20, 10, 5, 30, tzinfo=IST) < approved_at
    assert approved_at < SESSION_START + timedelta(minutes=31)
    fills = [e for e in events if e.type == "OrderFilled"]
    entry = [f for f in fills if f.stream_id == order]
    assert [f.payload.leg for f in entry][:1] == ["ENTRY"]  # type: ignore[attr-defined]
    verify = subprocess.run([sys.executable, "-m", "cli", "replay", "verify", "--store",
                             store_url], env=env, capture_output=True, text=True, timeout=240)
    assert verify.returncode == 0, verify.stdout + verify.stderr
