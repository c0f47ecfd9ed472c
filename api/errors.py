"""API errors: one JSON shape for every refusal, and the middleware that renders it.

A refusal is `{"error": code, "field": where, "detail": what, "reason": why}` (the keys that
apply). Domain refusals are turned into `ApiError`s at the boundary; anything else that
escapes a handler is a bug, logged and answered with a bare 500.
"""

from __future__ import annotations

import json
import traceback
from typing import Any

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

log = structlog.get_logger("eventdesk.api")


class ApiError(Exception):
    """A request the API refuses, with the HTTP status and the JSON body to send."""

    def __init__(
        self, status: int, error: str, detail: str = "", *, field: str | None = None,
        reason: str | None = None, headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or reason or error)
        self.status = status
        self.error = error
        self.detail = detail
        self.field = field
        self.reason = reason
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """The JSON refusal: error code, then field, detail and reason where given."""
        body: dict[str, Any] = {"error": self.error}
        if self.field is not None:
            body["field"] = self.field
        if self.detail:
            body["detail"] = self.detail
        if self.reason is not None:
            body["reason"] = self.reason
        return {**body, **self.extra}


def not_found(field: str, detail: str) -> ApiError:
    """A 404 naming the path parameter or field that matched nothing."""
    return ApiError(404, "not_found", detail, field=field)


def conflict(error: str, reason: str, **extra: Any) -> ApiError:
    """A command the desk refused (409): the reason is the domain's own words."""
    return ApiError(409, error, reason, reason=reason, extra=extra)


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None
                  ) -> web.Response:
    """A JSON response with this status, body and headers."""
    return web.Response(status=status, text=json.dumps(body), content_type="application/json",
                        headers=headers)


# aiohttp's own refusals (no route, wrong method, body too large) in the same shape.
_HTTP_ERRORS = {
    404: ("not_found", "path", "no such route"),
    405: ("method_not_allowed", "method", "method not allowed on this route"),
    413: ("body_too_large", "body", "request body exceeds the limit"),
}


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render `ApiError`s and aiohttp's HTTP errors as JSON; never leak a traceback."""
    try:
        return await handler(request)
    except ApiError as e:
        return json_response(e.status, e.body(), e.headers)
    except web.HTTPException as e:
        if e.status < 400:
            raise
        error, field, detail = _HTTP_ERRORS.get(e.status, ("http_error", None, e.reason))
        body: dict[str, Any] = {"error": error, "detail": detail}
        if field:
            body["field"] = field
        if e.status == 405:
            body["detail"] = f"{request.method} is not allowed on {request.path}"
        headers = {k: v for k, v in e.headers.items() if k.lower() == "allow"}
        return json_response(e.status, body, headers)
    except Exception as e:
        # The traceback as plain text, whatever renderer is configured: a rich renderer
        # would print every frame's locals (presented tokens, the whole API state).
        log.error("unhandled error", method=request.method, route=_route_label(request),
                  error=type(e).__name__, traceback=traceback.format_exc(limit=20))
        return json_response(500, {"error": "internal", "detail": "internal error, see logs"})


def _route_label(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"
