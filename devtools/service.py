"""Helpers shared by the local service runners (PostgreSQL, Kafka) used in tests and dev."""

from __future__ import annotations

import socket
from pathlib import Path

from aiohttp import web


def free_port(exclude: int | None = None) -> int:
    """Ask the kernel for a free TCP port on 127.0.0.1 (other than ``exclude``)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port != exclude:
            return port


def log_tail(path: Path, lines: int = 40) -> str:
    """Return the last lines of a log file (or a note that it is missing)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


async def serve_loopback(app: web.Application, port: int = 0) -> tuple[web.AppRunner, int]:
    """Serve `app` on 127.0.0.1 (`port` 0: one the OS picks); its runner and bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
