"""Liveness, readiness, metrics, and the API's own description (OpenAPI and docs page)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import structlog
from aiohttp import web

from api import feed_status
from api import schemas as s
from api.alert_readings import log_figures, prometheus, watched_figures
from api.context import Call
from api.docs_page import render_docs
from api.errors import ApiError
from api.handlers.news import news_metrics

log = structlog.get_logger("eventdesk.api")
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


async def health(call: Call) -> s.Health:
    """The process is up (no dependency is checked)."""
    return s.Health(status="ok")


async def ready(call: Call) -> s.Readiness:
    """The store answers and the read model has caught up (503 otherwise)."""
    try:
        head, position = await log_figures(call.state)
    except Exception as e:  # any failure to read the head means the store is not reachable
        raise ApiError(503, "not_ready", f"store unreachable: {type(e).__name__}",
                       field="store") from None
    lag = max(head - position, 0)
    feeds, down = feed_status.readiness(call.state.feeds())
    if lag:
        raise ApiError(503, "not_ready", f"read model {lag} events behind the log",
                       field="runtime",
                       extra={"log_head": head, "view_position": position, "lag": lag})
    if down:
        raise ApiError(503, "not_ready", "; ".join(down), field="feeds",
                       extra={"feeds": feeds})
    return s.Readiness(status="ready", log_head=head, view_position=position, lag=lag,
                       feeds=feeds, venues=call.state.venues())


async def metrics(call: Call) -> web.Response:
    """Prometheus text: request counts and latencies, log head and view position, and the
    figures alert rules watch (each log follower's lag, open breaks, daily loss used).

    When the store does not answer, the metrics are still served, with `desk_store_up 0`
    and no log figures: a scrape must not fail because the thing it watches did."""
    head: int | None
    try:
        head, position = await log_figures(call.state)
        watched = prometheus(await watched_figures(call.state, head))
    except Exception as e:
        log.warning("metrics: store unreadable", error=type(e).__name__)
        head, position, watched = None, call.state.desk.runtime.view.position, ""
    text = (call.state.metrics.render(head, position) + news_metrics(call.state.news_sources)
            + feed_status.prometheus(call.state.feeds(), datetime.now(UTC)) + watched)
    return web.Response(body=text.encode(),
                        headers={"Content-Type": PROMETHEUS_TEXT})


async def openapi(call: Call) -> web.Response:
    """The OpenAPI document of every route."""
    return web.Response(text=json.dumps(call.state.openapi), content_type="application/json")


async def docs(call: Call) -> web.Response:
    """The API reference page."""
    return web.Response(text=render_docs(call.state.openapi), content_type="text/html",
                        charset="utf-8")
