"""Value objects shared by events and decisions: typed enums, mandate, guardrail result."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.approval_policy import MANUAL, ApprovalPolicy, auto_within
from domain.money import Money, PositiveMoney, finite

Percent = Annotated[Decimal, AfterValidator(finite), Field(ge=0, le=100, allow_inf_nan=False)]
Quantity = Annotated[int, Field(gt=0)]
Symbol = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9&\-]{0,19}$")]


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class Objective(StrEnum):
    MAX_PROFIT = "MAX_PROFIT"
    RISK_MINIMIZED = "RISK_MINIMIZED"
    BALANCED = "BALANCED"


class Horizon(StrEnum):
    INTRADAY = "INTRADAY"
    SWING = "SWING"
    POSITIONAL = "POSITIONAL"


class Leg(StrEnum):
    ENTRY = "ENTRY"
    STOP = "STOP"
    TARGET = "TARGET"
    SQUARE_OFF = "SQUARE_OFF"
    OPERATOR = "OPERATOR"  # an operator closed the position by hand


class Mandate(BaseModel):
    """What an account may do: objective, risk limits, horizon, sectors, cash buffer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    objective: Objective
    horizon: Horizon
    risk_per_trade_pct: Annotated[Percent, Field(gt=0, le=10)]
    max_position_pct: Annotated[Percent, Field(gt=0)]
    daily_loss_limit: PositiveMoney
    max_drawdown_pct: Annotated[Percent, Field(gt=0)]
    cash_buffer_pct: Percent
    sectors_allowed: tuple[str, ...] = ()
    sectors_banned: tuple[str, ...] = ()
    auto_approve: bool = False
    # The judge is advisory; only this makes a recorded "oppose" verdict fail approval.
    judge_oppose_blocks: bool = False
    # Set by hand (`desk account policy`); None: `auto_approve` picks manual or auto.
    approval_policy: ApprovalPolicy | None = None

    def allows_sector(self, sector: str) -> bool:
        """True when the mandate's sector lists admit `sector`."""
        if sector in self.sectors_banned:
            return False
        return not self.sectors_allowed or sector in self.sectors_allowed

    def policy(self) -> ApprovalPolicy:
        """The approval policy in force: the one set, else the intake's manual or auto
        (auto checks the mandate's own position cap), so old mandates keep their meaning."""
        if self.approval_policy is not None:
            return self.approval_policy
        return auto_within(self.max_position_pct) if self.auto_approve else MANUAL


class GuardrailResult(BaseModel):
    """One guardrail check on a card: its name, verdict, and the numbers behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    passed: bool
    detail: str


class MetaLabel(BaseModel):
    """How far a signal is trusted and what it is expected to earn (domain.strategy.metalabel)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quality: Decimal
    regime: Decimal
    liquidity: Decimal
    timing: Decimal
    hit_rate: Decimal
    p_target: Decimal
    p_stop: Decimal
    p_time: Decimal
    edge_per_share: Money
    edge_r: Decimal
    explanation: str
    kelly: Decimal = Decimal(0)  # f*: share of equity to put at risk on the barrier odds


class CostBreakdown(BaseModel):
    """Charges on one fill, each to the paisa."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    brokerage: Money
    stt: Money
    exchange_txn: Money
    sebi_fee: Money
    ipft: Money
    stamp_duty: Money
    gst: Money

    @property
    def total(self) -> Decimal:
        return (
            self.brokerage + self.stt + self.exchange_txn + self.sebi_fee + self.ipft
            + self.stamp_duty + self.gst
        )
