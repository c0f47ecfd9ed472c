"""The instrument master as events: one version of an instrument per change in the
brokers' daily files."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from domain.events.envelope import Payload, register
from domain.money import Price
from domain.values import Symbol


@register
class InstrumentListed(Payload):
    """What the daily instrument file says of one equity from `effective_from` on; logged
    only when something changed since its last version."""

    symbol: Symbol
    isin: Annotated[str, Field(pattern=r"^(IN[A-Z0-9]{10})?$")] = ""
    name: Annotated[str, Field(max_length=200)] = ""
    exchange: Annotated[str, Field(min_length=1, max_length=10)] = "NSE"
    lot_size: Annotated[int, Field(ge=1)]
    tick_size: Price
    freeze_quantity: Annotated[int, Field(ge=1)] | None = None
    sector: Annotated[str, Field(max_length=100)] = ""
    venue_key: Annotated[str, Field(max_length=100)] = ""  # NSE_EQ|<ISIN>, or Kite's token
    effective_from: date
    source: Annotated[str, Field(min_length=1, max_length=300)]  # format and file name
