"""Lots of one scrip in one demat account, and how a sale consumes them.

A lot's cost is a total to the paisa (price plus acquisition charges, STT excluded); taking
part of a lot takes its share of the cost rounded to the paisa and leaves the rest on the
lot, so cost is conserved exactly however a lot is cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from domain.money import ZERO, to_paise


class Method(StrEnum):
    """How a sale picks its lots. Only FIFO is lawful for Indian demat holdings."""

    FIFO = "fifo"
    LIFO = "lifo"
    SPECIFIC = "specific"

    @property
    def legal_for_demat(self) -> bool:
        return self is Method.FIFO

    @property
    def label(self) -> str:
        """How reports name the method: the non-FIFO ones say they are analysis only."""
        if self is Method.FIFO:
            return "FIFO (the method s.45(2A) requires for demat holdings)"
        return f"{self.name} (analysis view only: not permitted for Indian demat holdings)"


@dataclass(frozen=True)
class Lot:
    """Shares acquired together: `factor` is how many shares each acquired share has
    become through splits since, so a per-share price of the acquisition day still applies."""

    key: str
    seq: int  # creation order: FIFO takes the lowest first
    symbol: str
    acquired: date
    quantity: int
    cost: Decimal
    factor: Fraction = Fraction(1)

    def take(self, quantity: int) -> tuple[Lot, Lot | None]:
        """(the part taken, what is left or None)."""
        if quantity >= self.quantity:
            return self, None
        part_cost = to_paise(self.cost * quantity / self.quantity)
        return self._part(quantity, part_cost), self._part(self.quantity - quantity,
                                                           self.cost - part_cost)

    def _part(self, quantity: int, cost: Decimal) -> Lot:
        # Field by field: `replace` costs several times as much, and a year's sales cut
        # thousands of lots.
        return Lot(self.key, self.seq, self.symbol, self.acquired, quantity, cost, self.factor)


@dataclass(frozen=True)
class LotMatch:
    """The part of one lot a sale consumed, with its share of the sale."""

    lot: Lot
    sale_value: Decimal  # gross consideration for these shares
    expenses: Decimal  # the sale's charges (not STT) attributed to them


@dataclass(frozen=True)
class Sale:
    """A delivery sale and the lots it consumed; `unmatched` shares had no lot (bought
    before the records start) and carry no computed gain."""

    key: str
    account_id: str
    symbol: str
    sold: date
    quantity: int
    sale_value: Decimal
    expenses: Decimal
    stt: Decimal
    matches: tuple[LotMatch, ...]
    unmatched: int = 0


def _named_first(lots: Sequence[Lot], picks: Sequence[str]) -> list[int]:
    """Indexes of `lots`: the named ones first, in the order named; the rest FIFO."""
    rank = {key: n for n, key in enumerate(picks)}
    return sorted(range(len(lots)), key=lambda i: (rank.get(lots[i].key, len(rank)), lots[i].seq))


def consume(lots: list[Lot], quantity: int, method: Method, picks: Sequence[str] = ()
            ) -> tuple[list[Lot], list[Lot], int]:
    """(the parts taken, the lots left in creation order, the quantity no lot covered).

    `lots` are in creation order, so FIFO takes from the front and LIFO from the back; a
    sale touches only the lots it takes (an account may hold thousands of lots of a scrip).
    """
    if method is Method.SPECIFIC and picks:
        order: Sequence[int] = _named_first(lots, picks)
    elif method is Method.LIFO:
        order = range(len(lots) - 1, -1, -1)
    else:
        order = range(len(lots))
    taken: list[Lot] = []
    cut: dict[int, Lot | None] = {}
    wanted = quantity
    for i in order:
        if wanted == 0:
            break
        part, cut[i] = lots[i].take(wanted)
        taken.append(part)
        wanted -= part.quantity
    if not cut:
        return taken, lots, wanted
    if method is Method.FIFO or (method is Method.SPECIFIC and not picks):
        last = max(cut)
        rest = cut[last]
        return taken, ([rest] if rest else []) + lots[last + 1:], wanted
    if method is Method.LIFO:
        first = min(cut)
        rest = cut[first]
        return taken, lots[:first] + ([rest] if rest else []), wanted
    left = [cut.get(i, lot) for i, lot in enumerate(lots)]
    return taken, [lot for lot in left if lot is not None], wanted


def share_out(total: Decimal, weights: Sequence[int]) -> list[Decimal]:
    """`total` split in proportion to `weights`, each to the paisa, summing to `total`."""
    whole = sum(weights)
    if whole == 0:
        return [ZERO for _ in weights]
    parts, given = [], ZERO
    for n, w in enumerate(weights):
        part = total - given if n == len(weights) - 1 else to_paise(total * w / whole)
        parts.append(part)
        given += part
    return parts


def split_lots(lots: list[Lot], new: int, old: int) -> list[Lot]:
    """A split: each lot's quantity times new/old, same cost and acquisition date.

    A fraction of a share left over is paid out in cash by the company, so quantities are
    rounded down; the cost stays whole on the shares that remain.
    """
    return [replace(lot, quantity=lot.quantity * new // old, factor=lot.factor * Fraction(new, old))
            for lot in lots]


def bonus_lot(lots: list[Lot], new: int, old: int, key: str, seq: int, ex_date: date
              ) -> Lot | None:
    """The bonus shares on a holding: a new lot at nil cost (s.55(2)(aa)), acquired on
    the ex-date; the holding's own lots keep their cost and dates."""
    held = sum(lot.quantity for lot in lots)
    quantity = held * new // old
    if quantity == 0:
        return None
    symbol = lots[0].symbol
    return Lot(key=key, seq=seq, symbol=symbol, acquired=ex_date, quantity=quantity, cost=ZERO)
