"""The HTTP API of one embedded desk: JSON under /api/v1, plus service routes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from aiohttp import web

from api import openapi, operator
from api.context import DEFAULT_MAX_SSE_CLIENTS, STATE, ApiState
from api.endpoint import serve
from api.errors import errors_middleware
from api.gate import DeskGate
from api.hardening import add_security_headers, allowed_hosts_middleware
from api.inputs import MAX_BODY_BYTES
from api.metrics import Metrics, metrics_middleware
from api.routes import ROUTES
from api.signing import SignatureCheck, load_key
from api.tokens import Tokens
from streams.bootstrap import AnyDesk

TITLE = "eventdesk API"
VERSION = "1.0.0"


def create_app(
    desk: AnyDesk, tokens: Tokens, *, gate: DeskGate | None = None,
    desk_time: Callable[[], datetime] | None = None,
    signature_check: SignatureCheck | None = None,
    max_sse_clients: int = DEFAULT_MAX_SSE_CLIENTS, allowed_hosts: Iterable[str] = (),
) -> web.Application:
    """The API over `desk`; `gate` is shared with anything else that writes (the demo feed).
    Signed news bodies verify against `signature_check`, else the key in the environment."""
    metrics = Metrics()
    state = ApiState(
        desk=desk, tokens=tokens, gate=gate or DeskGate(), metrics=metrics,
        desk_time=desk_time or operator.desk_clock(desk),
        openapi=openapi.build(ROUTES, TITLE, VERSION), max_sse_clients=max_sse_clients,
        signature_check=signature_check or _signature_check(),
    )
    app = web.Application(
        middlewares=[metrics_middleware(metrics), allowed_hosts_middleware(allowed_hosts),
                     errors_middleware],
        client_max_size=MAX_BODY_BYTES,
    )
    app[STATE] = state
    for route in ROUTES:
        app.router.add_route(route.method, route.path, serve(route), name=route.name)
    app.on_response_prepare.append(add_security_headers)
    app.on_shutdown.append(_stop_live_feeds)
    return app


def _signature_check() -> SignatureCheck | None:
    key = load_key()
    return SignatureCheck(key) if key is not None else None


async def _stop_live_feeds(app: web.Application) -> None:
    """Let open event streams end, so shutdown does not wait on them."""
    state = app[STATE]
    state.closing = True
    state.gate.bell.ring()
