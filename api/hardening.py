"""What every answer carries and what every request must name: security headers and Host.

The console and the docs page load only their own scripts and styles, so the Content
Security Policy allows nothing from elsewhere, no inline script and no framing. A request
whose `Host` is not one this desk answers to is refused (421) before any handler runs: a
page on another site that rebinds its DNS name to 127.0.0.1 cannot read even the public
routes. Loopback names are always allowed; others are configured (`--allowed-host`).
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from api.docs_page import INLINE_STYLE_HASH
from api.errors import json_response

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    f"style-src 'self' '{INLINE_STYLE_HASH}'",  # the docs page's one inline style block
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Server": "eventdesk",  # not the Python and aiohttp versions
}


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Set the security headers on every answer, streamed ones included (on prepare). A
    page that pins its own policy (a report page: its inline scripts by hash) keeps it."""
    own = response.headers.get("Content-Security-Policy")
    response.headers.update(SECURITY_HEADERS)
    if own is not None:
        response.headers["Content-Security-Policy"] = own


def host_name(host: str) -> str:
    """The name in a Host header, without its port or IPv6 brackets, lower-cased."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def allowed_hosts_middleware(configured: Iterable[str] = ()) -> Middleware:
    """Refuse (421) a request whose Host is neither loopback nor one of `configured`."""
    allowed = LOOPBACK_HOSTS | {host_name(h) for h in configured}

    @web.middleware
    async def check_host(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Answer only requests addressed to a name this desk serves."""
        host = request.headers.get("Host")
        if host is not None and host_name(host) not in allowed:
            return json_response(421, {
                "error": "unknown_host", "field": "Host",
                "detail": "this desk does not answer to that host name; start it with "
                          "--allowed-host NAME to allow it"})
        return await handler(request)

    return check_host
