"""`desk demo --broker upstox-fake|kite-fake|ibkr-fake`: the sample day traded at a local
Upstox, Kite or IBKR gateway fake, through the adapter, the order router and the venue's
update stream, ends the day as paper does: the same orders, fills, positions, P&L, costs
and cash, and nothing left to reconcile."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import DeskCli

TRADING = ("orders", "fills", "closed_trades", "open_positions", "realised_pnl", "costs",
           "cash", "kill_switch")


@pytest.mark.parametrize("fake", ["upstox-fake", "kite-fake", "ibkr-fake"])
def test_demo_when_traded_at_a_venue_fake_then_the_end_of_day_equals_paper(
    desk: DeskCli, tmp_path: Path, fake: str
) -> None:
    paper = desk.json("demo", "--store", f"sqlite:///{tmp_path / 'paper.db'}")

    venue = desk.json("demo", "--store", f"sqlite:///{tmp_path / 'venue.db'}",
                      "--broker", fake)

    assert venue["accounts"].keys() == paper["accounts"].keys()
    for account_id, figures in paper["accounts"].items():
        traded = {k: venue["accounts"][account_id][k] for k in TRADING}
        assert traded == {k: figures[k] for k in TRADING}, account_id
    orders = sum(a["orders"] for a in paper["accounts"].values())
    assert venue["reconciliation"]["differences"] == []
    assert venue["reconciliation"]["brackets_at_venue"] == orders > 0
