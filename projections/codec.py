"""A read model as JSON, and partial read models merged into one.

Projection workers keep one partial `DeskView` per account (the Kafka partition key) and
the last bar per symbol; `merge` puts them back together so the whole desk can be shown,
compared with a replay, or served.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import TypeAdapter

from projections.desk import DeskView
from projections.market import LastBar

_VIEW = TypeAdapter(DeskView)
_BAR = TypeAdapter(LastBar)


def encode_view(view: DeskView) -> bytes:
    return _VIEW.dump_json(view)


def decode_view(data: bytes) -> DeskView:
    return _VIEW.validate_json(data)


def encode_bar(bar: LastBar) -> bytes:
    return _BAR.dump_json(bar)


def decode_bar(data: bytes | str) -> LastBar:
    return _BAR.validate_json(data)


def merge(parts: Iterable[DeskView], market: dict[str, LastBar]) -> DeskView:
    """One view from partial views over disjoint streams, marked with `market`."""
    merged = DeskView()
    for part in parts:
        merged.position = max(merged.position, part.position)
        if part.as_of is not None:
            merged.as_of = part.as_of if merged.as_of is None else max(merged.as_of, part.as_of)
        merged.stream_versions.update(part.stream_versions)
        merged.accounts.update(part.accounts)
        merged.cash.update(part.cash)
        merged.funding.update(part.funding)
        merged.transfers.update(part.transfers)
        for account_id, held in part.positions.by_account.items():
            merged.positions.by_account.setdefault(account_id, {}).update(held)
        for symbol, holders in part.positions.holders.items():
            merged.positions.holders.setdefault(symbol, set()).update(holders)
        merged.orders.by_id.update(part.orders.by_id)
        for symbol, live in part.orders.live_by_symbol.items():
            merged.orders.live_by_symbol.setdefault(symbol, set()).update(live)
        merged.cards.update(part.cards)
        merged.risk.update(part.risk)
        merged.kills.update(part.kills)
        merged.counts.update(part.counts)
        merged.duplicates += part.duplicates
    merged.market.update(market)
    merged.positions.marks.update({s: bar.close for s, bar in market.items()})
    last_bar = max((bar.end for bar in market.values()), default=None)
    if last_bar is not None and (merged.as_of is None or last_bar > merged.as_of):
        merged.as_of = last_bar
    return merged
