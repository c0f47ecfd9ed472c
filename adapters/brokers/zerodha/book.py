"""The account's orders as the desk reads them: Kite's order book and GTT list assembled
into brackets, each order named by the desk's client order id and its leg. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from adapters.brokers.zerodha.gtt import Gtt, exit_legs, fired_orders, owners
from adapters.brokers.zerodha.parsing import Row, is_desk_tag, parse_order
from domain.values import Leg
from domain.venue import VenueOrder


@dataclass(frozen=True)
class Book:
    """Today's orders, the exits GTT of each desk bracket, and who owns every order id."""

    orders: list[VenueOrder]
    exits: dict[str, Gtt]  # desk tag -> the GTT holding its stop and target
    owner: dict[str, tuple[str, Leg]]  # venue order id -> (client order id, leg)


def own_leg(row: Row) -> Leg:
    """The leg of a desk-tagged order not placed by a GTT: a buy is the entry; a sell is an
    operator's close (the GTT's own orders are named by `fired_orders`)."""
    return Leg.ENTRY if row.get("transaction_type") == "BUY" else Leg.OPERATOR


def client_of(tag: object, ids: Mapping[str, str]) -> str:
    """The desk's client order id behind a tag: known ids by name, an unknown desk tag as
    itself (a reconciler maps it with `client_tag`), any other tag as "" (external)."""
    if not is_desk_tag(tag):
        return ""
    return ids.get(str(tag), str(tag))


def assemble(rows: Sequence[Row], gtts: Sequence[Gtt], ids: Mapping[str, str],
             known: Mapping[str, str]) -> Book:
    """The `Book` of order rows (`/orders`) and GTTs (`/gtt/triggers`); `ids` maps desk tags
    to client order ids, `known` GTT ids to the tags this process placed them for."""
    entries = [(str(r["tag"]), parse_order(r, "", Leg.ENTRY)) for r in rows
               if is_desk_tag(r.get("tag")) and r.get("transaction_type") == "BUY"]
    tag_of_gtt = owners(entries, gtts, known)
    fired = fired_orders(gtts, tag_of_gtt)
    book = {str(r["order_id"]): r for r in rows}
    orders: list[VenueOrder] = []
    owner: dict[str, tuple[str, Leg]] = {}
    for row in rows:
        order_id = str(row["order_id"])
        if order_id in fired:
            continue  # reported below, as its GTT's leg
        order = parse_order(row, client_of(row.get("tag"), ids), own_leg(row))
        orders.append(order)
        owner[order_id] = (order.client_order_id, order.leg)
    exits: dict[str, Gtt] = {}
    for gtt in gtts:
        tag = tag_of_gtt.get(gtt.gtt_id)
        if tag is None:
            continue
        exits[tag] = gtt
        for leg in exit_legs(gtt, client_of(tag, ids), book):
            orders.append(leg)
            owner[leg.venue_order_id] = (leg.client_order_id, leg.leg)
    return Book(orders, exits, owner)
