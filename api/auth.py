"""Who is calling: the bearer token of a request, checked against a route's role, or a
signed body on the ingest webhook."""

from __future__ import annotations

from aiohttp import web

from api.errors import ApiError
from api.signing import (
    KEY_ENV,
    KEY_FILE_ENV,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureCheck,
    SignatureRefused,
)
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


SIGNED_WEBHOOK = Operator("signed-webhook", Role.INGEST)


async def authenticate_signed(request: web.Request, check: SignatureCheck | None) -> Operator:
    """The signed-webhook sender when the body's HMAC verifies and is fresh; 401 otherwise."""
    if check is None:
        raise ApiError(401, "unauthorized", "signed bodies are not accepted: the desk has no "
                       f"ingest key (set {KEY_ENV} or {KEY_FILE_ENV})", field=SIGNATURE_HEADER)
    body = await request.read()
    try:
        check.verify(request.headers.get(TIMESTAMP_HEADER, ""),
                     request.headers.get(SIGNATURE_HEADER, ""), body)
    except SignatureRefused as e:
        raise ApiError(401, "unauthorized", str(e), field=SIGNATURE_HEADER) from None
    return SIGNED_WEBHOOK


def _printable_ascii(text: str) -> bool:
    """Tokens are printable ASCII; anything else (undecodable bytes, controls) is malformed."""
    return text.isascii() and text.strip().isprintable()
