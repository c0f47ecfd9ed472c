"""The treasury's rule for an account's cash buffer.

An account's cash is in exactly one of four states: available, reserved (for approved
cards), deployed (paid for open positions) or buffer. The buffer is the mandate's
`cash_buffer_pct` of the account's *funded capital* (deposits plus transfers in, less
transfers out), rounded up to the paisa, held out of the account's free cash (cash neither
reserved nor deployed). When losses leave less free cash than that, the buffer is all the
free cash there is and nothing is available. The buffer is never reserved or transferred.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from domain.money import HUNDRED, PAISA, ZERO


def buffer_target(buffer_pct: Decimal, funded: Decimal) -> Decimal:
    """What the buffer should hold: `buffer_pct`% of funded capital, up to the paisa."""
    if funded <= ZERO or buffer_pct <= ZERO:
        return ZERO
    return (funded * buffer_pct / HUNDRED).quantize(PAISA, rounding=ROUND_CEILING)


def buffer_held(buffer_pct: Decimal, funded: Decimal, free: Decimal) -> Decimal:
    """The buffer actually held: the target, or all the free cash when there is less."""
    return max(ZERO, min(free, buffer_target(buffer_pct, funded)))
