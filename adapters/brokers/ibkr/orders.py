"""What the desk sends IBKR: customer order ids (`cOID`) and the bracket's order tickets.

A bracket is one `POST /iserver/account/{accountId}/orders` carrying three tickets: the
parent (the entry, `cOID` = the desk's id) and two children naming it in `parentId`, a stop
and a target in one OCA group (`isSingleGroup`), so IBKR cancels the other exit when one
fills and holds both until the entry has filled.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

from domain.values import Leg
from domain.venue import BracketRequest, CloseRequest

# Suffixes of the children's cOIDs: every leg carries its own cOID (IBKR refuses a cOID it
# already holds), all three derived from the desk's id so `find` needs no memory.
CHILD_SUFFIX = {Leg.STOP: ".stp", Leg.TARGET: ".tgt"}
# ... and an operator's close of the position, a sale of its own, sent at most once.
CLOSE_SUFFIX = ".opx"
_SUFFIXES = CHILD_SUFFIX | {Leg.OPERATOR: CLOSE_SUFFIX}
_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")
HASHED_PREFIX = "ed-"


def coid_for(client_order_id: str, max_length: int) -> str:
    """The parent's cOID for a desk order id: the id itself when it fits IBKR (short, plain
    characters), else a deterministic short hash of it, so a retry sends the same cOID."""
    room = max_length - max(len(s) for s in _SUFFIXES.values())
    if len(client_order_id) <= room and _SAFE.match(client_order_id):
        return client_order_id
    digest = hashlib.sha256(client_order_id.encode()).hexdigest()
    return HASHED_PREFIX + digest[: max(8, room - len(HASHED_PREFIX))]


def leg_coids(parent_coid: str) -> dict[str, Leg]:
    """Every cOID a bracket's legs carry, with the leg each names."""
    return {parent_coid: Leg.ENTRY} | {parent_coid + s: leg for leg, s in CHILD_SUFFIX.items()}


def split_coid(coid: str) -> tuple[str, Leg]:
    """The parent cOID and the leg an order's cOID (its `order_ref`) stands for."""
    for leg, suffix in _SUFFIXES.items():
        if coid.endswith(suffix):
            return coid.removesuffix(suffix), leg
    return coid, Leg.ENTRY


def bracket_tickets(request: BracketRequest, *, account_id: str, conid: int,
                    parent_coid: str) -> list[dict[str, Any]]:
    """The three order tickets of one bracket request, parent first."""
    tif = "DAY" if request.intraday else "GTC"
    common: dict[str, Any] = {"acctId": account_id, "conid": conid, "ticker": request.symbol,
                              "quantity": request.quantity, "tif": tif}
    parent = common | {"cOID": parent_coid, "side": "BUY"}
    if request.entry_limit is None:
        parent |= {"orderType": "MKT"}
    else:
        parent |= {"orderType": "LMT", "price": _price(request.entry_limit)}
    exits = common | {"side": "SELL", "parentId": parent_coid, "isSingleGroup": True}
    stop = exits | {"cOID": parent_coid + CHILD_SUFFIX[Leg.STOP], "orderType": "STP",
                    "price": _price(request.stop)}
    target = exits | {"cOID": parent_coid + CHILD_SUFFIX[Leg.TARGET], "orderType": "LMT",
                      "price": _price(request.target)}
    return [parent, stop, target]


def close_ticket(request: CloseRequest, *, account_id: str, conid: int,
                 parent_coid: str) -> dict[str, Any]:
    """The ticket of an operator's close: a market sale of the position, its cOID derived
    from the bracket's, so IBKR refuses it a second time."""
    return {"acctId": account_id, "conid": conid, "ticker": request.symbol,
            "quantity": request.quantity, "tif": "DAY", "side": "SELL", "orderType": "MKT",
            "cOID": parent_coid + CLOSE_SUFFIX}


def modified_ticket(*, account_id: str, conid: int, leg: Leg, quantity: int, tif: str,
                    price: Decimal) -> dict[str, Any]:
    """The body of `POST /iserver/account/{acct}/order/{orderId}` moving an exit's price
    (IBKR wants the whole ticket again, not just the changed field)."""
    return {"acctId": account_id, "conid": conid, "side": "SELL", "quantity": quantity,
            "tif": tif, "orderType": "STP" if leg is Leg.STOP else "LMT",
            "price": _price(price)}


def _price(value: Decimal) -> float:
    # IBKR takes prices as JSON numbers; a 2-decimal rupee price is exact enough as one.
    return float(value)
