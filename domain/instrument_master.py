"""The versioned instrument master: which version of each instrument holds on a day, what
changed in a new daily file (the ADV from the bars is `projections.daily_value`).

Pure: the caller brings the logged versions and bars. A replay of a day asks for the master
as of that day, so a later lot-size change does not rewrite an earlier day's sizing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from domain.events import InstrumentListed
from domain.instruments import Instrument

ADV_SESSIONS = 20
# What a version says; the date it took effect and the file it came from are not content.
_CONTENT = ("isin", "name", "exchange", "lot_size", "tick_size", "freeze_quantity", "sector",
            "venue_key")


def _content(listed: InstrumentListed) -> tuple[object, ...]:
    return tuple(getattr(listed, name) for name in _CONTENT)


def carried(new: InstrumentListed, last: InstrumentListed | None) -> InstrumentListed:
    """`new` with what its file lacks taken from the last version (a Kite file has no ISIN;
    neither file has a sector)."""
    if last is None:
        return new
    kept = {name: getattr(last, name) for name in ("isin", "sector", "name")
            if not getattr(new, name) and getattr(last, name)}
    return new.model_copy(update=kept) if kept else new


def changed(latest: Mapping[str, InstrumentListed], listed: Iterable[InstrumentListed]
            ) -> list[InstrumentListed]:
    """The versions to log: instruments new to the master or whose content changed."""
    out = []
    for row in listed:
        row = carried(row, latest.get(row.symbol))
        last = latest.get(row.symbol)
        if last is None or _content(last) != _content(row):
            out.append(row)
    return out


def as_of(versions: Mapping[str, Sequence[InstrumentListed]], day: date,
          adv: Mapping[str, Decimal] | None = None) -> dict[str, Instrument]:
    """Each instrument's version in force on `day` (the last effective on or before it),
    with its ADV when known; instruments not yet listed on `day` are absent."""
    master = {}
    adv = adv or {}
    for symbol, history in versions.items():
        in_force = [v for v in history if v.effective_from <= day]
        if not in_force:
            continue
        v = max(in_force, key=lambda x: x.effective_from)
        master[symbol] = Instrument(symbol, v.isin, v.name, v.sector, v.lot_size, v.tick_size,
                                    adv.get(symbol))
    return master
