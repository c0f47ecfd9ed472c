"""What clients may send: query strings and JSON bodies, strict about unknown fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.aggregates import CardStatus
from domain.tax import Method

MAX_BODY_BYTES = 64 * 1024
MAX_PAGE = 500
MAX_POSITION = 2**62  # log positions are 64-bit integers in the store

_TEXT = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # tabs and line breaks allowed
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000,
                      pattern=rf"^{_TEXT}*[^\s\x00-\x1f\x7f]{_TEXT}*$"),
    Field(description="why, in the operator's words (recorded on the event): not blank, "
          "no control characters"),
]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoQuery(Strict):
    """No query parameters."""


class ReasonBody(Strict):
    """A command that needs a reason: reject, trip, reset, halt, resume."""

    reason: Reason


class CardsQuery(Strict):
    status: CardStatus | None = Field(None, description="only cards in this status")
    account: Ident | None = Field(None, description="only this account's cards")
    strategy: Ident | None = Field(None, description="only cards from this strategy")


class OrdersQuery(Strict):
    account: Ident | None = Field(None, description="only this account's orders")
    status: Ident | None = Field(
        None, description="PLACED, WORKING, OPEN, CLOSED, REJECTED or CANCELLED")


class PositionsQuery(Strict):
    account: Ident | None = Field(None, description="only this account's positions")
    open: bool | None = Field(None, description="true: only non-zero quantities")


class TaxQuery(Strict):
    fy: str | None = Field(None, pattern=r"^\d{4}-\d{2}$",
                           description="financial year, e.g. 2025-26 (default: the year "
                           "the desk's time falls in)")
    method: Method = Field(Method.FIFO, description="fifo (the law for demat holdings); lifo "
                           "and specific are analysis views only")


class EventsQuery(Strict):
    after: int = Field(0, ge=0, le=MAX_POSITION,
                       description="log position to start after (0: the beginning)")
    limit: int = Field(100, ge=1, le=MAX_PAGE, description=f"at most this many (<= {MAX_PAGE})")
    type: Ident | None = Field(None, description="only events of this type")
    stream: Ident | None = Field(None, description="only events of this stream")


class EventStreamQuery(Strict):
    after: int | None = Field(
        None, ge=0, le=MAX_POSITION,
        description="log position to resume after (the Last-Event-ID header wins); "
        "default: the log head, i.e. only new events",
    )
    type: Ident | None = Field(None, description="only events of this type")
    stream: Ident | None = Field(None, description="only events of this stream")


AnswerText = Annotated[
    str,
    StringConstraints(max_length=2000, pattern=rf"^{_TEXT}*$"),
    Field(description="the answer as typed; empty skips the question and takes its "
          "stated default"),
]


class IntakeStart(Strict):
    """Open an intake conversation for a new account."""

    account_id: Annotated[str, StringConstraints(min_length=1, max_length=64),
                          Field(description="the new account's id: letters, digits, '-', '_'")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=200)]


class IntakeAnswer(Strict):
    """The answer to the question the session is waiting on."""

    text: AnswerText


Rupees = Annotated[
    Decimal, Field(gt=0, max_digits=15, decimal_places=2,
                   description="rupees, to the paisa, as a decimal string or number")]


class TransferBody(Strict):
    """Propose moving available cash from one account to another."""

    from_account: Ident
    to_account: Ident
    amount: Rupees
    reason: Reason
