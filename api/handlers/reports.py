"""The reports over HTTP: `GET /api/v1/reports/{eod|monthly|compliance}` answers the
report's figures as JSON, with `?format=html` its self-contained page (as `desk report`
writes it), with `?format=pdf` that page printed by headless Chromium (as `--pdf` prints it).
A request reads the report index, caught up with the log, and the events of the days the
report covers (`api.report_index`); the figures are the ones a read of the whole log gives."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from datetime import date
from typing import Annotated, Literal

from aiohttp import web
from pydantic import AfterValidator, Field

from api.context import Call
from api.errors import ApiError
from api.inputs import Ident, Strict
from streams.reports import BuiltReport, PdfUnavailable, ReportRequest, file_stem, printed_pdf

Format = Literal["json", "html", "pdf"]
_FORMAT_TEXT = "json (the figures), html (the page, works offline) or pdf (the page printed)"
_ACCOUNT_TEXT = "one account only (default: every account)"
_YEARS = (1900, 2999)


def _plausible(day: date) -> date:
    """A report day the desk could have traded on; year 1 or 9999 would overflow the
    IST-to-UTC arithmetic of the report window (a 500 before this check)."""
    if not _YEARS[0] <= day.year <= _YEARS[1]:
        raise ValueError(f"year {day.year} is outside {_YEARS[0]}-{_YEARS[1]}")
    return day


ReportDay = Annotated[date, AfterValidator(_plausible)]


class EodQuery(Strict):
    day: ReportDay | None = Field(None, alias="date",
                             description="the IST day (default: the log's last day)")
    account: Ident | None = Field(None, description=_ACCOUNT_TEXT)
    format: Format = Field("json", description=_FORMAT_TEXT)


class MonthlyQuery(Strict):
    month: str | None = Field(None, pattern=r"^(19\d{2}|2\d{3})-(0[1-9]|1[0-2])$",
                              description="YYYY-MM (default: the log's last month)")
    account: Ident | None = Field(None, description=_ACCOUNT_TEXT)
    format: Format = Field("json", description=_FORMAT_TEXT)


class ComplianceQuery(Strict):
    start: ReportDay | None = Field(None, alias="from",
                               description="first IST day (default: `to`)")
    end: ReportDay | None = Field(None, alias="to",
                             description="last IST day (default: the log's last day)")
    account: Ident | None = Field(None, description=_ACCOUNT_TEXT)
    format: Format = Field("json", description=_FORMAT_TEXT)


_INLINE = re.compile(r"<(script|style)[^>]*>(.*?)</\1>", re.DOTALL)


NONE = "'none'"


def _hash(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def page_policy(page: str) -> str:
    """A Content Security Policy for one report page: its own inline scripts, pinned by
    hash, and nothing from anywhere (the console's policy would refuse them)."""
    scripts = sorted({_hash(body) for tag, body in _INLINE.findall(page) if tag == "script"})
    return "; ".join((
        "default-src 'none'",
        f"script-src {' '.join(scripts) or NONE}",
        "style-src 'unsafe-inline'",  # the page's style block and the styles bokeh sets
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ))


async def _pdf(built: BuiltReport, page: str) -> web.Response:
    try:  # off the event loop and off the store's threads: printing takes seconds
        body = await asyncio.to_thread(printed_pdf, built.stem, page)
    except PdfUnavailable as e:  # no Chromium, or it failed: say so, the desk goes on
        raise ApiError(503, "pdf_unavailable", str(e), reason="pdf") from None
    return web.Response(body=body, content_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{file_stem(built.stem)}.pdf"'})


async def _answer(call: Call, request: ReportRequest, format_: Format) -> web.Response:
    state = call.state
    try:
        built = await state.reports.build(state.gate, state.desk.store, request)
        body = await state.gate.read_store(built.html) if format_ != "json" else None
    except ValueError as e:  # an empty log without a date, a range that ends before it starts
        raise ApiError(422, "unprocessable", str(e), field="query") from None
    if format_ == "pdf" and body is not None:
        return await _pdf(built, body)
    if body is not None:
        return web.Response(text=body, content_type="text/html", charset="utf-8",
                            headers={"Content-Security-Policy": page_policy(body)})
    return web.Response(text=json.dumps(built.data), content_type="application/json")


async def get_eod(call: Call) -> web.Response:
    """The end-of-day report: P&L after charges, positions, card decisions, kill switches."""
    q = call.query
    assert isinstance(q, EodQuery)
    return await _answer(call, ReportRequest("eod", day=q.day, account=q.account), q.format)


async def get_monthly(call: Call) -> web.Response:
    """The monthly report: returns by day, drawdown, attribution, hit rate, charges."""
    q = call.query
    assert isinstance(q, MonthlyQuery)
    month = date.fromisoformat(f"{q.month}-01") if q.month else None
    return await _answer(call, ReportRequest("monthly", month=month, account=q.account),
                         q.format)


async def get_compliance(call: Call) -> web.Response:
    """Every order in a range with its card, evidence, guardrails, review and approval."""
    q = call.query
    assert isinstance(q, ComplianceQuery)
    request = ReportRequest("compliance", start=q.start, end=q.end, account=q.account)
    return await _answer(call, request, q.format)
