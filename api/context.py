"""What a handler is given: the desk and its gate, the caller, and the parsed request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from api.card_lineage import CardLineage
from api.equity import EquityHistory
from api.gate import DeskGate
from api.intake_sessions import IntakeSessions
from api.metrics import Metrics
from api.report_index import ReportShelf
from api.signing import SignatureCheck
from api.tokens import Operator, Tokens
from domain.ticks import FeedStatus
from projections.tax import TaxBook
from streams.bootstrap import AnyDesk
from streams.judge import judge_prices
from streams.news_intake import NewsIntake
from streams.news_pollers import SourceState

DEFAULT_MAX_SSE_CLIENTS = 64


@dataclass
class ApiState:
    """Everything a handler may use: the desk, tokens, the writer gate, metrics and desk time."""

    desk: AnyDesk
    tokens: Tokens
    gate: DeskGate
    metrics: Metrics
    # The desk's "now" for operator commands: the market's time as the log knows it.
    desk_time: Callable[[], datetime]
    closing: bool = False
    max_sse_clients: int = DEFAULT_MAX_SSE_CLIENTS  # beyond it, the live feed answers 503
    intake: IntakeSessions = field(default_factory=IntakeSessions)
    openapi: dict[str, Any] = field(default_factory=dict)
    equity: EquityHistory = field(default_factory=EquityHistory)
    card_lineage: CardLineage = field(default_factory=CardLineage)
    tax: TaxBook = field(default_factory=TaxBook)  # folded on demand by the tax report
    reports: ReportShelf = field(default_factory=ReportShelf)  # the report index
    signature_check: SignatureCheck | None = None  # None: no ingest key, signed bodies refused
    news: NewsIntake | None = None  # made on the first ingest, in the writer thread
    news_sources: dict[str, SourceState] = field(default_factory=dict)  # polled sources
    # Live sources (`desk run`): each one's state for /ready and /metrics.
    feeds: Callable[[], list[FeedStatus]] = list
    # Remote broker sessions (`desk serve` with linked accounts): each one's state for /ready.
    venues: Callable[[], list[dict[str, object]]] = list
    # The judge's price table (model -> per million tokens in, out) for the prompt figures.
    prices: dict[str, tuple[Decimal, Decimal]] = field(default_factory=judge_prices)


STATE = web.AppKey("eventdesk_api", ApiState)


@dataclass(frozen=True)
class Call:
    """One request, parsed: path parameters, query and body models, and the operator."""

    request: web.Request
    state: ApiState
    operator: Operator | None
    path: dict[str, str]
    query: Any
    body: Any

    @property
    def actor(self) -> str:
        """The actor recorded for this caller's commands (a command route always has one)."""
        assert self.operator is not None, "a command route without a role"
        return self.operator.actor


Answer = BaseModel | web.StreamResponse
