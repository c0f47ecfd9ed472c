"""What the API takes and answers about strategies: the table row per strategy, and the
bodies of publish and deploy. Same conventions as `api.schemas`; kept apart so the
strategy routes add a module rather than grow the shared one."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from api.inputs import Ident, Reason, Strict
from api.strategy_day import StrategyToday
from api.strategy_plans import DcaPlanResource
from projections.strategy_table import StrategyRow, strategy_json

Definition = Annotated[str, StringConstraints(min_length=1, max_length=50_000)]
Note = Annotated[str, StringConstraints(max_length=2000)]


class PublishBody(Strict):
    """A strategy file's text (YAML): every new definition in it is published."""

    text: Definition = Field(description="the strategy file, as `desk strategy publish` reads "
                             "it; checked by the same loader, errors name the field")
    strategy: Ident | None = Field(None, description="publish only this strategy of the file")
    notes: Note = ""


class DeployBody(Strict):
    version_id: Ident = Field(description="a published version, or the file's own version")
    accounts: list[Ident] = Field(default_factory=list, max_length=200,
                                  description="only these accounts (empty: every account)")
    effective_from: AwareDatetime | None = Field(
        None, description="desk time it runs from (default: the desk's now)")
    reason: Note = ""


class PauseBody(Strict):
    """Pause, resume or retire: why, and for which accounts (none: every account)."""

    reason: Reason
    accounts: list[Ident] = Field(default_factory=list, max_length=200,
                                  description="only these accounts (empty: every account)")


class StrategyResource(BaseModel):
    """One strategy: state, the version each account runs (`*`: all), versions published
    and deployments in log order."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: str
    status: str
    source: str
    running: dict[str, list[str]]
    file_version: str
    pause_reason: str
    paused_by: str
    paused_accounts: dict[str, str] = Field(
        default_factory=dict, description="accounts paused one by one: why, and by whom")
    versions: list[dict[str, str]]
    deployments: list[dict[str, Any]]
    cards: int
    closed_trades: int
    hit_rate: str | None
    dca: DcaPlanResource | None = Field(
        None, description="DCA strategies: amount, symbol, schedule and the next due time")
    today: StrategyToday | None = Field(
        None, description="the desk's IST day: signals scored, cards proposed, fills (the "
        "list only)")


class StrategyList(BaseModel):
    strategies: list[StrategyResource]


class StrategyChange(BaseModel):
    """What a command recorded (event types, in order) and the strategies it changed."""

    events: list[str]
    strategies: list[StrategyResource]


def resource(row: StrategyRow, dca: DcaPlanResource | None = None,
             today: StrategyToday | None = None) -> StrategyResource:
    """A table row as the API answers it, with its DCA plan when it has one."""
    return StrategyResource(**strategy_json(row), dca=dca, today=today)
