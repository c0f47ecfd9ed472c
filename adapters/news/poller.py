"""Polling news sources over HTTP: conditional GETs (ETag / If-Modified-Since), and NSE's
cookie warm-up. Each poll answers a `Polled`: items, unchanged, or the error and document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp

from adapters.news.nse import ANNOUNCEMENTS_PATH, AnnouncementsError, parse_announcements
from adapters.news.rss import FeedError, parse_feed
from domain.news import Polled

USER_AGENT = "eventdesk/1.0 (+news poller)"
# The exchange's site answers its JSON only to a browser-like client holding the cookies
# its pages set; these are the headers a browser sends for the page's own requests.
NSE_HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/124.0 Safari/537.36",
    "Accept": "application/json, text/plain, */*",
    "Accept-Language": "en-US,en;q=0.9",
}
MAX_DOCUMENT = 5 * 1024 * 1024
RAW_KEPT = 100_000


class ConditionalGet:
    """GETs one URL, sending back the validators of the last answer (ETag, Last-Modified)."""

    def __init__(self, session: aiohttp.ClientSession, url: str,
                 headers: dict[str, str] | None = None) -> None:
        self.session = session
        self.url = url
        self.headers = headers or {}
        self.etag = ""
        self.last_modified = ""

    async def get(self) -> tuple[int, bytes]:
        """(status, body); 304 with an empty body when the document is unchanged."""
        headers = dict(self.headers)
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        async with self.session.get(self.url, headers=headers) as response:
            if response.status == 304:
                return 304, b""
            body = await response.content.read(MAX_DOCUMENT + 1)
            if response.status == 200 and len(body) <= MAX_DOCUMENT:
                self.etag = response.headers.get("ETag", "")
                self.last_modified = response.headers.get("Last-Modified", "")
            return response.status, body


def _session(timeout_s: float) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s),
                                 headers={"User-Agent": USER_AGENT})


async def _poll(channel: str, fetch: ConditionalGet,
                parse: Callable[[bytes], list[Any]], errors: tuple[type[Exception], ...]
                ) -> Polled:
    try:
        status, body = await fetch.get()
    except (aiohttp.ClientError, TimeoutError) as e:
        return Polled(channel, error=f"fetch failed: {type(e).__name__}: {e}")
    if status == 304:
        return Polled(channel, unchanged=True)
    raw = body[:RAW_KEPT].decode("utf-8", "replace")
    if status != 200:
        return Polled(channel, error=f"HTTP {status} from {fetch.url}", raw=raw)
    if len(body) > MAX_DOCUMENT:
        return Polled(channel, error=f"document larger than {MAX_DOCUMENT} bytes", raw=raw)
    try:
        return Polled(channel, items=parse(body))
    except errors as e:
        return Polled(channel, error=str(e), raw=raw)


class RssPoller:
    """One RSS or Atom feed, polled conditionally."""

    def __init__(self, url: str, source: str, timeout_s: float = 10.0) -> None:
        self.channel = f"rss:{source}"
        self.source = source
        self._session = _session(timeout_s)
        self._fetch = ConditionalGet(self._session, url)

    async def poll(self) -> Polled:
        """The feed's entries, or unchanged, or why it could not be read."""
        return await _poll(self.channel, self._fetch,
                           lambda body: parse_feed(body, self.source), (FeedError,))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._session.close()


class NsePoller:
    """NSE corporate announcements from `base_url` (the exchange's site, or a fake): the
    home page first, for the cookies the JSON endpoint asks for, again when refused."""

    channel = "nse:announcements"

    def __init__(self, base_url: str = "https://www.nseindia.com",
                 timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout_s), headers=NSE_HEADERS,
            cookie_jar=aiohttp.CookieJar(unsafe=True))  # unsafe: also keep an IP host's
        self._fetch = ConditionalGet(self._session, self.base_url + ANNOUNCEMENTS_PATH,
                                     {"Referer": self.base_url + "/"})
        self._warm = False

    async def _warm_up(self) -> None:
        async with self._session.get(self.base_url + "/",
                                     headers={"Accept": "text/html"}) as response:
            await response.read()
        self._warm = True

    async def poll(self) -> Polled:
        """The announcements listed now, or unchanged, or why they could not be read."""
        for attempt in range(2):
            try:
                if not self._warm:
                    await self._warm_up()
            except (aiohttp.ClientError, TimeoutError) as e:
                return Polled(self.channel, error=f"home page: {type(e).__name__}: {e}")
            polled = await _poll(self.channel, self._fetch, parse_announcements,
                                 (AnnouncementsError,))
            if attempt == 0 and polled.error.startswith(("HTTP 401", "HTTP 403")):
                self._warm = False  # the cookies expired: fetch them again, once
                continue
            return polled
        return polled

    async def close(self) -> None:
        """Close the connection pool."""
        await self._session.close()
