"""The issue's live day: `desk run` (a subprocess, on the feed clock) takes half an hour of
ticks from a local Upstox V3 feed or Kite ticker and Infosys's buyback filing from a local
NSE site; the buyback becomes a card, an approver approves it over the API while the tape
plays on (the session's time does not stop for a person), the next bars fill it, and
`desk replay verify` rebuilds from the log the state the live desk saved."""

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


async def bar_closed(db: Path, symbol: str, start: datetime) -> None:
    """Once the desk has closed `symbol`'s bar of the minute `start`."""
    store = DeskStore(f"sqlite:///{db}")
    stream = f"bars-{symbol}-{start.astimezone(IST):%Y%m%d}"
    while start not in [e.payload.start for e in store.stream(stream)  # type: ignore[attr-defined]
                        if e.type == "BarClosed"]:
        await asyncio.sleep(0.2)


async def approve_later(url: str, token: str, db: Path) -> tuple[dict[str, Any], int]:
    """An approver who sees the buyback card and decides only after the desk has closed
    the 10:07 bar: a person taking their time while the tape plays on."""
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"},
                                 timeout=60) as http:
        card = await waiting_card(http, "INFY")
        await bar_closed(db, "INFY", datetime(2026, 11, 20, 10, 7, tzinfo=IST))
        approved = await http.post(f"{CARD_URL}/{card['card_id']}/approve")
        return card, approved.status_code


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
            approval = asyncio.create_task(approve_later(url, day.tokens["approver"], db))
            await day.play()  # to 10:10, whatever the approver does meanwhile
            assert await day.play_on(approval), "the sample day ran out before the approval"
            card, approved = approval.result()
            order = "order-" + card["card_id"].removeprefix("card-")
            filled = asyncio.create_task(entry_filled(db, order))
            assert await day.play_on(filled), "the sample day ran out before the fill"
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 120)
            await day.close()
            log.close()
        return card, approved, env, order

    card, approved, env, order = asyncio.run(body())

    assert card["account_id"] == ACCOUNT["account_id"] and card["side"] == "BUY"
    assert approved == 200
    store = DeskStore(store_url)
    events = [r.event for r in store.read_all()]
    bars = [e.payload.start for e in store.stream("bars-INFY-20261120")  # type: ignore[attr-defined]
            if e.type == "BarClosed"]
    # Every minute from 09:40 on, each closed by the next minute's ticks: the tape played
    # on while the card waited.
    assert bars == [SESSION_START + timedelta(minutes=n) for n in range(len(bars))]
    assert len(bars) >= 30
    [filing] = [e for e in events if e.type == "AnnouncementArrived"]
    assert (filing.payload.symbol, filing.payload.category) == ("INFY", "Buyback")  # type: ignore[attr-defined]
    [approval] = [e for e in events if e.type == "CardApproved"]
    assert approval.actor == "operator:approver"
    # The desk's time is the session's, and it went on while the card waited: the approval
    # is stamped after the 10:07 bar closed (the approver waited for it), and the bars of
    # 10:06 and 10:07 were logged between the proposal and the approval.
    approved_at = approval.recorded_at.astimezone(IST)
    assert datetime(2026, 11, 20, 10, 8, tzinfo=IST) <= approved_at
    order_of = {(r.event.type, r.event.stream_id, getattr(r.event.payload, "start", None)): n
                for n, r in enumerate(store.read_all())}
    proposed = order_of[("CardProposed", card["card_id"], None)]
    decided = order_of[("CardApproved", card["card_id"], None)]
    for minute in (6, 7):
        start = datetime(2026, 11, 20, 10, minute, tzinfo=IST)
        assert proposed < order_of[("BarClosed", "bars-INFY-20261120", start)] < decided
    fills = [e for e in events if e.type == "OrderFilled"]
    entry = [f for f in fills if f.stream_id == order]
    assert [f.payload.leg for f in entry][:1] == ["ENTRY"]  # type: ignore[attr-defined]
    verify = subprocess.run([sys.executable, "-m", "cli", "replay", "verify", "--store",
                             store_url], env=env, capture_output=True, text=True, timeout=240)
    assert verify.returncode == 0, verify.stdout + verify.stderr
