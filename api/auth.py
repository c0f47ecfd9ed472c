"""Who is calling: the bearer token of a request, checked against a route's role."""

from __future__ import annotations

from aiohttp import web

from api.errors import ApiError
from api.tokens import Operator, Role, Tokens

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="eventdesk"'}


def authenticate(request: web.Request, tokens: Tokens, needs: Role) -> Operator:
    """The operator behind the request's token: 401 without a valid one, 403 below `needs`."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise ApiError(401, "unauthorized", "missing bearer token", field="Authorization",
                       headers=_CHALLENGE)
    if scheme.lower() != "bearer" or not token.strip() or not _printable_ascii(token):
        raise ApiError(401, "unauthorized", "expected 'Authorization: Bearer <token>'",
                       field="Authorization", headers=_CHALLENGE)
    operator = tokens.verify(token.strip())
    if operator is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token", field="Authorization",
                       headers=_CHALLENGE)
    if operator.role < needs:
        raise ApiError(403, "forbidden",
                       f"role {operator.role.label} may not do this; needs {needs.label}",
                       field="Authorization")
    return operator


def _printable_ascii(text: str) -> bool:
    """Tokens are printable ASCII; anything else (undecodable bytes, controls) is malformed."""
    return text.isascii() and text.strip().isprintable()
