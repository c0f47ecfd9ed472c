"""The operator console: one HTML page and its script and style files, shipped in
`api/console/` and served as they are (no build step); and who the caller is."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web
from bokeh.util.paths import bokehjs_path

from api import schemas as s
from api.context import Call
from api.errors import not_found

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
_ASSET = re.compile(r"^[a-z][a-z0-9-]*\.(js|css)$")
_TYPES = {"js": "text/javascript", "css": "text/css"}
# Libraries the pages load, served from the installed package (its JS matches its Python).
_VENDOR = {"bokeh.min.js": bokehjs_path() / "js" / "bokeh.min.js"}


async def page(call: Call) -> web.Response:
    """The operator console's page."""
    return _file(CONSOLE_DIR / "index.html", "text/html")


async def asset(call: Call) -> web.StreamResponse:
    """One of the console's static assets (404 for any other name)."""
    name = call.path["asset"]
    if name in _VENDOR:  # 1.3 MB: revalidated by its ETag rather than sent each time
        return web.FileResponse(_VENDOR[name], headers={
            "Cache-Control": "no-cache", "Content-Type": "text/javascript; charset=utf-8"})
    match = _ASSET.match(name)
    if match is None or not (CONSOLE_DIR / name).is_file():
        raise not_found("asset", f"no console file {name!r}")
    return _file(CONSOLE_DIR / name, _TYPES[match.group(1)])


def _file(path: Path, content_type: str) -> web.Response:
    return web.Response(text=path.read_text(), content_type=content_type, charset="utf-8",
                        headers={"Cache-Control": "no-cache"})


async def whoami(call: Call) -> s.Me:
    """The caller's name, role and the actor their commands are recorded under."""
    assert call.operator is not None
    return s.Me(name=call.operator.name, role=call.operator.role.label,
                actor=call.operator.actor)
