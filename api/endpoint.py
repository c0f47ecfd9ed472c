"""A route of the API, declared once: it registers the handler and describes the operation.

`serve(route)` turns a declaration into an aiohttp handler that authenticates (401/403),
parses the query and body with the route's models (4xx naming the field), then calls the
thin handler and renders its answer as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from api.auth import authenticate, authenticate_signed
from api.context import STATE, Answer, ApiState, Call
from api.errors import ApiError
from api.inputs import MAX_BODY_BYTES, NoQuery
from api.signing import SIGNATURE_HEADER
from api.tokens import Operator, Role

Handler = Callable[[Call], Awaitable[Answer]]

JSON = "application/json"


@dataclass(frozen=True)
class Route:
    """One operation: method, path, handler, role, and the models that parse and describe it."""

    method: str
    path: str  # aiohttp template, e.g. /api/v1/cards/{card_id}
    name: str  # the OpenAPI operationId
    handler: Handler
    summary: str
    tag: str
    role: Role | None  # None: public
    query: type[BaseModel] = NoQuery
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    media_type: str = JSON
    errors: tuple[int, ...] = ()  # statuses beyond those the route's shape implies
    headers: tuple[tuple[str, str], ...] = ()  # request headers read: (name, description)
    signed: bool = False  # an HMAC-signed body (api/signing.py) may stand in for a token

    @property
    def path_params(self) -> list[str]:
        """The `{name}` parameters of the path template, in order."""
        return re.findall(r"{(\w+)}", self.path)


def serve(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """An aiohttp handler for the route: authenticate, parse, call, render JSON."""
    async def handle(request: web.Request) -> web.StreamResponse:
        """Serve one request of this route."""
        state = request.app[STATE]
        operator = await _caller(route, request, state)
        call = Call(
            request=request, state=state, operator=operator,
            path=dict(request.match_info), query=parse_query(route.query, request),
            body=await parse_body(route.body, request) if route.body else None,
        )
        answer = await route.handler(call)
        if isinstance(answer, web.StreamResponse):
            return answer
        return web.Response(body=answer.model_dump_json(), content_type="application/json")

    handle.__name__ = route.name
    return handle


async def _caller(route: Route, request: web.Request, state: ApiState) -> Operator | None:
    """Who calls: a signed body on a signed route, else the bearer token (public: nobody)."""
    if route.signed and SIGNATURE_HEADER in request.headers:
        return await authenticate_signed(request, state.signature_check)
    return authenticate(request, state.tokens, route.role) if route.role is not None else None


def parse_query(model: type[BaseModel], request: web.Request) -> BaseModel:
    """The query string as the route's model; 400 naming the field when it does not fit."""
    query = request.query
    for key in query:
        if len(query.getall(key)) > 1:
            raise ApiError(400, "invalid_query", "given more than once", field=key)
    try:
        return model.model_validate(dict(query))
    except ValidationError as e:
        raise _validation_error(e, 400, "invalid_query") from None


async def parse_body(model: type[BaseModel], request: web.Request) -> BaseModel:
    """The JSON body as the route's model; 413, 415, 400 or 422 naming what is wrong."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, "body_too_large",
                       f"{request.content_length} bytes; at most {MAX_BODY_BYTES}", field="body")
    content_type = request.headers.get("Content-Type", JSON)
    if content_type.split(";")[0].strip().lower() != JSON:
        raise ApiError(415, "unsupported_media_type", f"expected {JSON}, got {content_type}",
                       field="Content-Type")
    raw = await request.read()  # aiohttp refuses past client_max_size with 413
    try:
        data: Any = json.loads(raw or b"null")
    except ValueError as e:  # includes undecodable bytes
        raise ApiError(400, "malformed_json", str(e), field="body") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "nested too deeply", field="body") from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", f"expected a JSON object, got {_kind(data)}",
                       field="body")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise _validation_error(e, 422, "invalid_body") from None


def _validation_error(e: ValidationError, status: int, error: str) -> ApiError:
    """The first problem, naming its field; every problem under `problems`."""
    problems = [
        {"field": ".".join(str(p) for p in err["loc"]) or "body", "detail": _message(err)}
        for err in e.errors(include_url=False, include_input=False)
    ]
    first = problems[0]
    code = {"extra_forbidden": "unknown_field", "missing": "missing_field"}.get(
        e.errors()[0]["type"], error)
    return ApiError(status, code, first["detail"], field=first["field"],
                    extra={"problems": problems} if len(problems) > 1 else None)


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "required"
    return str(err["msg"])


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")
