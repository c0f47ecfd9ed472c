"""The log: pages of events with filters, and a live feed (server-sent events).

Each SSE message's `id:` is the event's log position, so a client that reconnects with
`Last-Event-ID` (or `?after=`) resumes exactly after the last event it saw.
"""

from __future__ import annotations

import time

from aiohttp import web

from api import present
from api import schemas as s
from api.context import Call
from api.errors import ApiError
from api.inputs import MAX_POSITION, EventsQuery, EventStreamQuery
from domain.events import Recorded, known_event_types
from streams.ports import EventLog

SCAN_BUDGET = 10_000  # log events one page request may scan for its filters
_READ_PAGE = 500
POLL_SECONDS = 1.0  # catches writes by other processes, which ring no bell here
KEEPALIVE_SECONDS = 15.0
RETRY_AFTER_SECONDS = 5  # told to a live-feed client refused because the feed is full


def _check_type(event_type: str | None) -> None:
    if event_type is not None and event_type not in known_event_types():
        raise ApiError(400, "invalid_query", f"unknown event type {event_type!r}", field="type")


def _matches(rec: Recorded, event_type: str | None, stream: str | None) -> bool:
    return ((event_type is None or rec.event.type == event_type)
            and (stream is None or rec.event.stream_id == stream))


def read_page(store: EventLog, q: EventsQuery) -> s.EventPage:
    """Up to `limit` matching events after `after`, scanning at most SCAN_BUDGET."""
    head = store.head()
    found: list[Recorded] = []
    cursor, scanned = q.after, 0
    while len(found) < q.limit and scanned < SCAN_BUDGET and cursor < head:
        page = store.read(cursor, _READ_PAGE)
        if not page:
            break
        for rec in page:
            scanned += 1
            cursor = rec.position
            if _matches(rec, q.type, q.stream):
                found.append(rec)
                if len(found) == q.limit:
                    break
    return s.EventPage(events=[present.event(r) for r in found], after=q.after,
                       next_after=cursor, head=max(head, cursor))


async def list_events(call: Call) -> s.EventPage:
    """A page of the event log, filtered by type, stream or correlation."""
    q: EventsQuery = call.query
    _check_type(q.type)
    return await call.state.gate.read_store(read_page, call.state.desk.store, q)


def _resume_from(call: Call, q: EventStreamQuery) -> int | None:
    header = call.request.headers.get("Last-Event-ID")
    if header is None:
        return q.after
    text = header.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_POSITION:
        raise ApiError(400, "invalid_header",
                       f"expected a log position (an integer from 0 to {MAX_POSITION})",
                       field="Last-Event-ID")
    return int(header.strip())


def _gone(request: web.Request) -> bool:
    """The client hung up: its slot is freed at the next poll, not at the next write."""
    return request.transport is None or request.transport.is_closing()


async def stream_events(call: Call) -> web.StreamResponse:
    """The log as server-sent events from a position on, live as it grows."""
    q: EventStreamQuery = call.query
    _check_type(q.type)
    state, store = call.state, call.state.desk.store
    after = _resume_from(call, q)
    # The slot is taken before the first await, so concurrent clients cannot overshoot it.
    if state.metrics.sse_clients >= state.max_sse_clients:
        raise ApiError(503, "too_many_clients",
                       f"the live feed serves at most {state.max_sse_clients} clients; "
                       "retry later", field="clients",
                       headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    state.metrics.sse_clients += 1
    try:
        if after is None:
            after = await state.gate.read_store(store.head)
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        })
        await response.prepare(call.request)
        await response.write(b"retry: 2000\n\n")
        quiet_since = time.monotonic()
        while not state.closing and not _gone(call.request):
            page = await state.gate.read_store(store.read, after, _READ_PAGE)
            for rec in page:
                after = rec.position
                if _matches(rec, q.type, q.stream):
                    data = present.event(rec).model_dump_json()
                    await response.write(f"id: {rec.position}\ndata: {data}\n\n".encode())
            if page:
                quiet_since = time.monotonic()
                if len(page) == _READ_PAGE:
                    continue
            elif time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                await response.write(b": keepalive\n\n")
                quiet_since = time.monotonic()
            await state.gate.bell.wait(POLL_SECONDS)
    except ConnectionResetError:
        pass  # the client went away
    finally:
        state.metrics.sse_clients -= 1
    return response
