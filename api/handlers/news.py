"""The ingest webhook: news and filings from any source, signed or sent with a token.

Each item is admitted on its own (linked to instruments, deduplicated) and answered with
its outcome; a batch where every item was refused is a 422 carrying the same results.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from api.context import Call
from api.errors import ApiError
from api.inputs import Strict
from api.metrics import label_value
from api.schemas import Resource
from domain.news import Outcome
from streams.news_intake import ItemResult, NewsIntake, news_intake
from streams.news_pollers import SourceState

MAX_ITEMS = 100


class NewsBatch(Strict):
    """News items or exchange filings; each is checked and answered on its own."""

    items: Annotated[list[dict[str, Any]], Field(
        min_length=1, max_length=MAX_ITEMS,
        description=f"1 to {MAX_ITEMS} items: kind (news|announcement), source, source_id, "
        "published_at (with offset), headline, body, category, symbols (NSE symbol, ISIN "
        "or alias), isin")]


class ItemOutcome(Resource):
    index: int
    outcome: Outcome
    stream_id: str
    reason: str = ""


class NewsIngested(Resource):
    """What became of each item: accepted (logged), duplicate (already logged) or
    rejected (logged as InputRejected with the reason)."""

    accepted: int
    duplicates: int
    rejected: int
    results: list[ItemOutcome]


def _intake(call: Call) -> NewsIntake:
    """The desk's news intake, made once (in the writer thread: it reads the log)."""
    state = call.state
    if state.news is None:
        state.news = news_intake(state.desk)
    return state.news


async def ingest_news(call: Call) -> NewsIngested:
    """Admit a batch of items from a signed sender or an ingest token's holder."""
    body: NewsBatch = call.body
    assert call.operator is not None
    channel = f"webhook:{call.operator.name}"
    results: list[ItemResult] = await call.state.gate.write(
        lambda: _intake(call).submit(body.items, channel))
    answer = NewsIngested(
        accepted=sum(r.outcome is Outcome.ACCEPTED for r in results),
        duplicates=sum(r.outcome is Outcome.DUPLICATE for r in results),
        rejected=sum(r.outcome is Outcome.REJECTED for r in results),
        results=[ItemOutcome(index=r.index, outcome=r.outcome, stream_id=r.stream_id,
                             reason=r.reason) for r in results],
    )
    if answer.rejected == len(results):
        raise ApiError(422, "items_rejected", "every item was rejected; see results",
                       field="items", extra=answer.model_dump(mode="json"))
    return answer


def news_metrics(sources: dict[str, SourceState]) -> str:
    """Prometheus lines for each polled news source: polls, items by outcome, health."""
    if not sources:
        return ""
    lines = ["# HELP desk_news_polls_total Polls of each news source",
             "# TYPE desk_news_polls_total counter"]
    lines += [f'desk_news_polls_total{{channel="{label_value(c)}"}} {s.polls}'
              for c, s in sources.items()]
    lines += ["# HELP desk_news_items_total Items from each news source, by outcome",
              "# TYPE desk_news_items_total counter"]
    lines += [f'desk_news_items_total{{channel="{label_value(c)}",outcome="{o}"}} {n}'
              for c, s in sources.items() for o, n in s.counts.items()]
    lines += ["# HELP desk_news_source_up 1 when the last poll of the source was read",
              "# TYPE desk_news_source_up gauge"]
    lines += [f'desk_news_source_up{{channel="{label_value(c)}"}} {0 if s.last_error else 1}'
              for c, s in sources.items()]
    lines += ["# HELP desk_news_last_poll_timestamp_seconds When the source was last polled",
              "# TYPE desk_news_last_poll_timestamp_seconds gauge"]
    lines += [f'desk_news_last_poll_timestamp_seconds{{channel="{label_value(c)}"}} '
              f"{s.last_poll_at.timestamp():.3f}"
              for c, s in sources.items() if s.last_poll_at is not None]
    return "\n".join(lines) + "\n"
