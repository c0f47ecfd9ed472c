"""A re-run of a day uses the instrument master of that day: with master v1 (day 1, INFY in
lots of 50) and v2 (day 2, lots of 400) both in the log, feeding day 1 sizes INFY's buyback
cards in lots of 50, as the desk did on day 1, not in the newer lots of 400."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from adapters.files.instrument_master import parse_upstox
from adapters.files.sample import SAMPLE_DIR, load_instruments
from domain.events import CardBlocked, CardProposed
from domain.session import IST
from streams.bootstrap import bootstrap, wall_clock
from streams.feed import feed_day, sample_day
from streams.instrument_master import DatedInstruments, load_file

DAY_1, DAY_2 = date(2026, 11, 20), date(2026, 11, 21)
INFY = {
    "segment": "NSE_EQ",
    "exchange": "NSE",
    "name": "INFOSYS LIMITED",
    "trading_symbol": "INFY",
    "instrument_key": "NSE_EQ|INE009A01021",
    "exchange_token": "1594",
    "isin": "INE009A01021",
    "instrument_type": "EQ",
    "tick_size": 10.0,
    "freeze_quantity": 100000.0,
    "security_type": "NORMAL",
}


def master_file(lot_size: int) -> bytes:
    """Upstox's instruments JSON with INFY in lots of `lot_size`."""
    return json.dumps([INFY | {"lot_size": lot_size}]).encode()


def test_feed_day_when_a_later_master_changed_the_lot_then_day_one_sizes_with_its_own_lot(
    tmp_path: Path,
) -> None:
    desk = bootstrap(
        f"sqlite:///{tmp_path / 'desk.db'}",
        load_instruments(SAMPLE_DIR / "instruments.csv"),
        clock=wall_clock,
    )
    for lot, day in ((50, DAY_1), (400, DAY_2)):  # v2 is loaded before day 1 is fed
        load_file(desk.store, desk.runtime, parse_upstox(master_file(lot), day), day, "operator:t")

    feed_day(
        desk.runtime,
        desk.store,
        sample_day(SAMPLE_DIR),
        "operator:t",
        wall_clock,
        until=datetime(2026, 11, 20, 10, 6, tzinfo=IST),
    )

    log = [r.event.payload for r in desk.store.read_all()]
    cards = [p for p in log if isinstance(p, CardProposed) and p.symbol == "INFY"]
    blocked = [p for p in log if isinstance(p, CardBlocked) and "INFY" in p.card_id]
    assert cards, f"no INFY card; blocked: {[b.reason for b in blocked]}"
    assert all(c.quantity % 50 == 0 for c in cards)
    assert any(c.quantity % 400 for c in cards)  # v2's lots would not allow these sizes
    dated = DatedInstruments(desk.store, load_instruments(SAMPLE_DIR / "instruments.csv"))
    on_1 = dated.on(datetime(2026, 11, 20, 10, 0, tzinfo=IST))["INFY"]
    on_2 = dated.on(datetime(2026, 11, 21, 10, 0, tzinfo=IST))["INFY"]
    assert (on_1.lot_size, on_1.tick_size, on_1.isin) == (50, Decimal("0.10"), "INE009A01021")
    assert on_2.lot_size == 400
    desk.store.close()
