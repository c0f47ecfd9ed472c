"""What the API answers: one model per resource, also the source of the OpenAPI schemas.

Money and prices are decimal strings (never floats); times are ISO 8601 with the IST offset
(`2026-11-20T10:17:00+05:30`), as the CLI and console show them; the instant is the same.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from api.review_resources import Review
from domain.approval_policy import ApprovalPolicy
from domain.funding import FundingPlan
from domain.session import IST
from domain.values import GuardrailResult, Mandate


def _ist(at: datetime) -> str:
    return at.astimezone(IST).isoformat()


Time = Annotated[
    datetime, PlainSerializer(_ist, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": r"\+05:30$",
                    "description": "ISO 8601 time in IST, with its offset"}),
]
def _plain(amount: Decimal) -> str:
    return format(amount, "f")  # never exponent notation (str(Decimal("1E+2")) is "1E+2")


Amount = Annotated[
    Decimal, PlainSerializer(_plain, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$",
                    "description": "a decimal amount, as a string"}),
]


class Resource(BaseModel):
    model_config = ConfigDict(frozen=True)


class Problem(Resource):
    """Every refusal: a code, and where applicable the field, the detail and the reason."""

    error: str
    field: str | None = None
    detail: str | None = None
    reason: str | None = None
    problems: list[dict[str, str]] | None = None


class Health(Resource):
    status: str


class Readiness(Resource):
    status: str
    log_head: int
    view_position: int
    lag: int
    reasons: list[str] = []
    feeds: list[dict[str, object]] = []
    venues: list[dict[str, object]] = []  # remote broker sessions: connected, token, errors


# Accounts -------------------------------------------------------------------------------
class AccountSummary(Resource):
    account_id: str
    name: str
    mandate_version: int
    objective: str | None
    horizon: str | None
    halted: bool


class AccountList(Resource):
    accounts: list[AccountSummary]


class MandateVersion(Resource):
    version: int
    mandate: Mandate
    reason: str
    set_at: Time
    actor: str
    event_id: str


class Cash(Resource):
    """An account's cash by state; available + reserved + deployed + buffer = total."""

    account_id: str
    available: Amount
    reserved: Amount
    deployed: Amount
    buffer: Amount
    total: Amount
    funded: Amount
    deposits: Amount
    transfers_in: Amount
    transfers_out: Amount
    realised_pnl: Amount
    costs: Amount


class CashList(Resource):
    cash: list[Cash]


class LedgerEntry(Resource):
    """One cash movement on the account's stream, with the balances after it."""

    event_id: str
    type: str
    occurred_at: Time
    actor: str
    amount: Amount
    card_id: str | None = None
    order_id: str | None = None
    note: str = ""
    available: Amount
    reserved: Amount
    deployed: Amount
    buffer: Amount


class AccountDetail(Resource):
    account_id: str
    name: str
    halted: bool
    mandate: Mandate | None
    approval_policy: ApprovalPolicy | None = None  # in force: set, or the intake's answer
    mandate_version: int
    mandate_history: list[MandateVersion]
    cash: Cash
    cash_ledger: list[LedgerEntry]


# Intake ---------------------------------------------------------------------------------
class IntakeQuestion(Resource):
    key: str
    prompt: str
    number: int
    total: int


class IntakeStep(Resource):
    """Where an intake conversation stands: the next question, or the summary to confirm."""

    session_id: str
    account_id: str
    name: str
    step: str  # "ask": answer `question`; "confirm": every question answered, see `summary`
    question: IntakeQuestion | None
    assumed: list[str]  # assumptions made for the answer just taken
    summary: list[str]


class IntakeOpened(Resource):
    """The account a confirmed intake opened, with the events that opened it."""

    account: AccountDetail
    funding_plan: FundingPlan | None
    event_ids: list[str]


# Treasury -------------------------------------------------------------------------------
class Holding(Resource):
    """Cash by state; total = available + reserved + deployed + buffer."""

    available: Amount
    reserved: Amount
    deployed: Amount
    buffer: Amount
    total: Amount
    deployable: Amount
    funded: Amount
    realised_pnl: Amount


class AccountHolding(Holding):
    account_id: str


class TreasuryReport(Resource):
    desk: Holding
    accounts: list[AccountHolding]


class TransferResource(Resource):
    transfer_id: str
    from_account: str
    to_account: str
    amount: Amount
    reason: str
    proposed_by: str
    status: str
    decided_by: str
    decision_reason: str


class TransferList(Resource):
    transfers: list[TransferResource]


# Cards ----------------------------------------------------------------------------------
class Card(Resource):
    """A card; a blocked one was never sized, so its side, strategy, quantity and prices
    are null and `decided_by` names what blocked it (`mandate`, `guardrail:<name>`, ...)."""

    card_id: str
    account_id: str
    symbol: str
    strategy: str | None
    side: str | None
    quantity: int | None
    reference_price: Amount | None
    stop: Amount | None
    target: Amount | None
    expires_at: Time | None
    status: str
    decided_by: str
    reason: str
    verdict: str | None = None  # the judge's: support | caution | oppose (advisory)


class CardList(Resource):
    cards: list[Card]


class Event(Resource):
    """A logged event: its envelope and its position in the log."""

    position: int
    event_id: str
    type: str
    schema_version: int
    stream_id: str
    stream_version: int
    occurred_at: Time
    recorded_at: Time
    correlation_id: str
    causation_id: str | None
    actor: str
    payload: dict[str, Any]


class CardDetail(Resource):
    card: Card
    signal_id: str
    horizon: str | None
    mandate_version: int | None
    thesis: str
    sizing: str
    expected_cost: Amount | None
    guardrails: list[GuardrailResult]
    evidence: list[Event]
    lineage: list[Event]
    review: Review | None = None  # the judge's review: pending, reviewed or failed
    strategy_version: str = ""  # the strategy version that made its signal ("": older log)


class Fill(Resource):
    fill_id: str
    leg: str
    side: str
    quantity: int
    price: Amount
    costs: Amount
    rule: str
    filled_at: Time


class Order(Resource):
    order_id: str
    card_id: str
    account_id: str
    symbol: str
    quantity: int
    stop: Amount | None  # null (with the target): a plain entry, no exits (a DCA buy)
    target: Amount | None
    square_off: bool
    placed_at: Time
    status: str
    entry_price: Amount | None
    exit_price: Amount | None
    exit_leg: str
    cancelled: list[str]
    fills: list[Fill]


class OrderList(Resource):
    orders: list[Order]


class Decision(Resource):
    """A card after an operator's decision, and the order it became (if any)."""

    card: Card
    order: Order | None


# Positions, risk, kill switches -----------------------------------------------------------
class Position(Resource):
    account_id: str
    symbol: str
    quantity: int
    average_price: Amount
    mark: Amount | None
    unrealised_pnl: Amount
    realised_pnl: Amount
    exposure: Amount
    costs: Amount
    trades: int


class PositionList(Resource):
    positions: list[Position]


class KillSwitch(Resource):
    scope: str
    tripped: bool
    reason: str
    since: Time | None


class AccountRisk(Resource):
    account_id: str
    equity: Amount
    daily_pnl: Amount
    daily_loss_limit: Amount | None
    drawdown_pct: Amount
    max_drawdown_pct: Amount | None
    peak_equity: Amount
    exposure: Amount
    halted: bool


class DeskRisk(Resource):
    equity: Amount
    daily_pnl: Amount
    exposure: Amount
    realised_pnl: Amount
    halted: bool
    accounts_halted: int


class RiskReport(Resource):
    as_of: Time | None
    accounts: list[AccountRisk]
    desk: DeskRisk
    kill_switches: list[KillSwitch]


class KillSwitchChange(Resource):
    """A kill switch after a trip or reset; `changed` is false when it already was so."""

    kill_switch: KillSwitch
    changed: bool


class EventPage(Resource):
    """A page of the log; continue with `after=next_after` while `next_after < head`."""

    events: list[Event]
    after: int
    next_after: int
    head: int


# Equity curves ------------------------------------------------------------------------------
class EquityPoint(Resource):
    """The account at the end of one desk minute: equity marked to market, and P&L."""

    at: Time
    equity: Amount
    pnl: Amount


class EquityCurve(Resource):
    """One point per desk minute, oldest first; P&L is equity less deposits."""

    account_id: str
    points: list[EquityPoint]


class Me(Resource):
    """The operator behind the bearer token: name, role (viewer, approver or admin), and
    the actor recorded on their commands."""

    name: str
    role: str
    actor: str
