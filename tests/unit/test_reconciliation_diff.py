"""The desk against a venue, compared without I/O: each difference names both sides, and
the same difference always has the same break id."""

from __future__ import annotations

from decimal import Decimal

from domain.broker import BrokerPosition
from domain.ids import break_id_for
from domain.reconciliation import DeskOrder, differences
from domain.values import Leg, Side
from domain.venue import VenueOrder, VenueOrderStatus
from tests.unit.conftest import T0


def venue_order(venue_id: str, coid: str, status: VenueOrderStatus = VenueOrderStatus.OPEN,
                symbol: str = "TCS") -> VenueOrder:
    return VenueOrder(venue_id, coid, Leg.ENTRY, symbol, Side.BUY, 10, 0, None, status, T0)


def test_differences_when_both_sides_agree_then_none() -> None:
    found = differences([DeskOrder("order-1", "TCS", "OPEN")], [venue_order("V1", "order-1")],
                        {"TCS": 10}, [BrokerPosition("TCS", 10, Decimal("500"))])

    assert found == []


def test_differences_when_the_venue_lost_an_order_and_holds_another_then_each_named() -> None:
    found = differences(
        [DeskOrder("order-1", "TCS", "WORKING"), DeskOrder("order-2", "TCS", "PLACED")],
        [venue_order("V9", "", symbol="INFY"),
         venue_order("V8", "", VenueOrderStatus.REJECTED)],
        {}, [BrokerPosition("INFY", 10, Decimal("1500"))],
    )

    assert [(d.kind, d.subject, d.desk_side, d.venue_side) for d in found] == [
        ("ORDER_MISSING_AT_VENUE", "order-1", "WORKING TCS", "no order"),
        ("EXTERNAL_ORDER", "V9", "not placed by the desk", "BUY 10 INFY"),
        ("POSITION", "INFY", "holds 0", "holds 10"),
    ]


def test_break_id_when_the_same_difference_is_seen_again_then_the_same_id() -> None:
    first = break_id_for("upstox", "POSITION", "INFY", "holds 0", "holds 10")

    assert first == break_id_for("upstox", "POSITION", "INFY", "holds 0", "holds 10")
    assert first != break_id_for("upstox", "POSITION", "INFY", "holds 0", "holds 15")
