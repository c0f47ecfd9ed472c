"""The strategies page's count of today's work: a DCA buy proposed, approved and filled
counts one card and one fill for its strategy (the API hands it only the day's events)."""

from __future__ import annotations

from datetime import timedelta

from api.strategy_day import StrategyToday, tally
from domain.events import CardProposed, SignalScored
from projections.risk import trading_day
from tests.unit.test_dca import DUE, Desk


def test_tally_when_a_dca_buy_filled_today_then_its_card_and_fill_count_for_the_strategy(
) -> None:
    desk = Desk()
    desk.fund("sip-1", "200000.00")
    desk.bar("1234.50", DUE)
    [card] = desk.payloads(CardProposed)
    desk.approve(card.card_id, DUE + timedelta(seconds=30))
    desk.bar("1236.00", DUE + timedelta(minutes=2))  # the entry fills at this bar's open
    events = [r.event for r in desk.store.read_all()]
    day = trading_day(DUE)

    today = tally(day, events, desk.runtime.view)

    signals = len(desk.payloads(SignalScored))
    assert today == {"tcs_dca": StrategyToday(day=day, signals=signals, cards=1, fills=1)}
