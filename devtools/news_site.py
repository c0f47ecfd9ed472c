"""A local news site for tests and demos: an RSS feed, an Atom feed and NSE's corporate
announcements JSON, served on 127.0.0.1 with the behaviour pollers must cope with.

The feeds answer conditional GETs (ETag and Last-Modified → 304). The announcements
endpoint, like the exchange's, answers 401 to a client without the cookies the home page
sets. Tests replace the documents (`rss`, `atom`, `announcements`) between polls.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

RSS_PATH = "/feed.xml"
ATOM_PATH = "/atom.xml"
ANNOUNCEMENTS_PATH = "/api/corporate-announcements"
COOKIE = "nsit"


def rss_document(entries: list[dict[str, str]], title: str = "Local Wire") -> bytes:
    """An RSS 2.0 document of `entries` (guid, title, description, pubDate, category)."""
    items = "".join(
        "<item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in entry.items()) + "</item>"
        for entry in entries)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(title)}</title>{items}</channel></rss>").encode()


def atom_document(entries: list[dict[str, str]]) -> bytes:
    """An Atom document of `entries` (id, title, summary, updated)."""
    body = "".join(
        "<entry>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in entry.items()) + "</entry>"
        for entry in entries)
    return (b'<?xml version="1.0" encoding="utf-8"?>'
            b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Local Atom</title>'
            + body.encode() + b"</feed>")


@dataclass
class NewsSite:
    """The documents served, and what the pollers asked for."""

    rss: bytes = field(default_factory=lambda: rss_document([]))
    atom: bytes = field(default_factory=lambda: atom_document([]))
    announcements: bytes = b"[]"
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    not_modified: int = 0
    refused: int = 0
    base_url: str = ""

    def set_announcements(self, rows: list[dict[str, Any]]) -> None:
        """Serve these announcement rows from now on."""
        self.announcements = json.dumps(rows).encode()

    def app(self) -> web.Application:
        """The site's routes."""
        app = web.Application()
        app.router.add_get("/", self._home)
        app.router.add_get(RSS_PATH, self._rss)
        app.router.add_get(ATOM_PATH, self._atom)
        app.router.add_get(ANNOUNCEMENTS_PATH, self._announcements)
        return app

    async def _home(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.headers)))
        response = web.Response(text="<html>NSE</html>", content_type="text/html")
        response.set_cookie(COOKIE, hashlib.sha256(request.remote.encode()
                                                   if request.remote else b"").hexdigest())
        return response

    async def _rss(self, request: web.Request) -> web.StreamResponse:
        return await self._document(request, self.rss, "application/rss+xml")

    async def _atom(self, request: web.Request) -> web.StreamResponse:
        return await self._document(request, self.atom, "application/atom+xml")

    async def _announcements(self, request: web.Request) -> web.StreamResponse:
        if COOKIE not in request.cookies:
            self.refused += 1
            self.requests.append((request.path, dict(request.headers)))
            return web.json_response({"error": "unauthorized"}, status=401)
        return await self._document(request, self.announcements, "application/json")

    async def _document(self, request: web.Request, body: bytes,
                        content_type: str) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type=content_type.split(";")[0],
                            headers={"ETag": etag, "Last-Modified": formatdate(usegmt=True)})


async def start(site: NewsSite | None = None, host: str = "127.0.0.1", port: int = 0
                ) -> tuple[NewsSite, web.AppRunner]:
    """Serve the site on `host:port` (0: a free port); `site.base_url` says where."""
    site = site or NewsSite()
    runner = web.AppRunner(site.app())
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    site.base_url = f"http://{host}:{runner.addresses[0][1]}"
    return site, runner


SAMPLE_STORY = {"guid": "local-wire-1", "title": "Infosys board to consider share buyback",
                "description": "Infosys said its board will meet to consider a buyback.",
                "pubDate": "Fri, 20 Nov 2026 04:30:00 GMT", "category": "company"}
SAMPLE_FILING = {"symbol": "INFY", "desc": "Buyback", "an_dt": "20-Nov-2026 10:05:30",
                 "sort_date": "2026-11-20 10:05:30", "attchmntFile": "",
                 "attchmntText": "Infosys Limited has informed the Exchange that the Board "
                                 "approved a buyback through the tender offer route.",
                 "sm_name": "Infosys Limited", "sm_isin": "INE009A01021", "seq_id": "900001",
                 "smIndustry": "Computers - Software"}


async def serve_forever(port: int) -> None:
    """Serve a sample story and filing until interrupted."""
    import asyncio

    site = NewsSite(rss=rss_document([SAMPLE_STORY]))
    site.set_announcements([SAMPLE_FILING])
    _, runner = await start(site, port=port)
    print(f"news site on {site.base_url}: RSS {site.base_url}{RSS_PATH}, NSE base URL "
          f"{site.base_url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    """`python -m devtools.news_site [PORT]`: the local news site, for demos."""
    import asyncio
    import contextlib
    import sys

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(int(sys.argv[1]) if len(sys.argv) > 1 else 0))


if __name__ == "__main__":
    main()
