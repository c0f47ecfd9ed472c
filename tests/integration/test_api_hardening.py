"""The API under hostile or careless callers: malformed credentials, foreign Host names,
too many live-feed clients, a store that stops answering, and a handler that fails.

Each test talks to a real server on a loopback socket; a raw socket where the request
itself must be malformed (httpx would refuse to send it).
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import structlog
from aiohttp import web

from api import logs
from api.hardening import SECURITY_HEADERS
from api.tokens import Role, TokenConfigError, load
from streams.bootstrap import bootstrap, wall_clock
from tests.served import INSTRUMENTS, ServedApi

TOKENS = {
    "vic": (Role.VIEWER, "viewer-token-vic-0123456789"),
    "ada": (Role.ADMIN, "admin-token-ada-0123456789"),
}
SSE_CAP = 8


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedApi]:
    desk = bootstrap(f"sqlite:///{tmp_path}/desk.db", INSTRUMENTS, clock=wall_clock)
    with ServedApi(desk, TOKENS, max_sse_clients=SSE_CAP,
                   allowed_hosts=["desk.example"]) as api:
        yield api


def _raw_request(url: str, request: bytes) -> tuple[int, str]:
    """Send `request` bytes as they are; the status code and the whole answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks).decode("utf-8", "replace")
    return int(answer.split()[1]), answer


# Malformed credentials -----------------------------------------------------------------
@pytest.mark.parametrize("authorization", [
    b"Bearer \xffabcdefghijklmnopq",  # undecodable bytes: no valid token needed
    b"Bearer \xc3\xa9t\xc3\xa9-token-0123456789",  # valid UTF-8, but not ASCII
    b"Basic dmljOnNlY3JldA==",
    b"Bearer",
    b"viewer-token-vic-0123456789",
])
def test_request_when_authorization_is_malformed_then_401_not_500(
    served: ServedApi, authorization: bytes,
) -> None:
    status, answer = _raw_request(
        served.url, b"GET /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: " + authorization + b"\r\nConnection: close\r\n\r\n")

    assert status == 401
    assert '"error": "unauthorized"' in answer


def test_server_when_many_malformed_tokens_arrive_then_health_still_answers(
    served: ServedApi,
) -> None:
    bad = (b"GET /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Authorization: Bearer \xff\xfe-garbage-garbage\r\nConnection: close\r\n\r\n")
    statuses = [_raw_request(served.url, bad)[0] for _ in range(20)]

    with served.client() as client:
        assert client.get("/health").status_code == 200
    assert set(statuses) == {401}


# Logs ----------------------------------------------------------------------------------
async def _failing(request: web.Request) -> web.Response:
    presented = request.headers["Authorization"]  # a local a rich traceback would print
    raise RuntimeError(f"handler broke after reading {len(presented)} characters")


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    out = io.StringIO()
    logs.configure(stream=out)
    yield out
    structlog.reset_defaults()


def test_failing_handler_when_logged_then_one_json_line_without_locals_or_token(
    tmp_path: Path, json_logs: io.StringIO,
) -> None:
    out = json_logs
    desk = bootstrap(f"sqlite:///{tmp_path}/desk.db", INSTRUMENTS, clock=wall_clock)
    api = ServedApi(desk, TOKENS)
    api.app.router.add_get("/boom", _failing)
    secret = TOKENS["ada"][1]
    with api, api.client("ada") as client:
        answer = client.get("/boom")

    assert answer.status_code == 500
    assert secret not in answer.text
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    errors = [line for line in lines if line["event"] == "unhandled error"]
    assert len(errors) == 1
    assert errors[0]["error"] == "RuntimeError"
    assert "handler broke" in errors[0]["traceback"]
    assert secret not in out.getvalue()
    assert "presented =" not in out.getvalue()  # no frame's locals were printed


# Live feed cap, /metrics and /ready ------------------------------------------------------
async def _hold_streams(url: str, token: str, clients: int) -> tuple[list[int], list[str],
                                                                     int, int]:
    """Open `clients` live feeds at once; while they are open, scrape /metrics and /ready."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        responses = await asyncio.gather(*(
            session.get(f"{url}/api/v1/events/stream?after=0") for _ in range(clients)))
        try:
            metrics = await session.get(f"{url}/metrics")
            ready = await session.get(f"{url}/ready")
            statuses = [r.status for r in responses]
            retry = [r.headers.get("Retry-After", "") for r in responses if r.status == 503]
            return statuses, retry, metrics.status, ready.status
        finally:
            for r in responses:
                r.close()


def test_live_feed_when_more_clients_than_the_cap_then_503_with_retry_after(
    served: ServedApi,
) -> None:
    statuses, retry, metrics, ready = asyncio.run(
        _hold_streams(served.url, TOKENS["vic"][1], 300))

    assert statuses.count(200) == SSE_CAP
    assert statuses.count(503) == 300 - SSE_CAP
    assert set(retry) == {"5"}
    assert (metrics, ready) == (200, 200)


def test_live_feed_when_clients_leave_then_their_slots_are_free_again(
    served: ServedApi,
) -> None:
    first = asyncio.run(_hold_streams(served.url, TOKENS["vic"][1], SSE_CAP))
    with served.client("vic") as client:
        for _ in range(100):  # the server notices a hang-up at its next poll (1 s)
            if "desk_api_sse_clients 0" in client.get("/metrics").text:
                break
            time.sleep(0.1)
    second = asyncio.run(_hold_streams(served.url, TOKENS["vic"][1], SSE_CAP))

    assert first[0] == second[0] == [200] * SSE_CAP


def test_metrics_when_the_store_stops_answering_then_200_with_store_down(
    served: ServedApi,
) -> None:
    served.desk.store.close()

    with served.client("vic") as client:
        metrics = client.get("/metrics")
        ready = client.get("/ready")

    assert metrics.status_code == 200
    assert "desk_store_up 0" in metrics.text
    assert "desk_log_head" not in metrics.text
    assert ready.status_code == 503
    assert ready.json()["error"] == "not_ready"


# Security headers and Host ---------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/docs", "/console/app.js", "/health", "/api/v1/me",
                                  "/no/such/route"])
def test_answer_when_any_route_then_security_headers_are_set(served: ServedApi,
                                                             path: str) -> None:
    with served.client() as client:
        answer = client.get(path)

    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value
    assert "aiohttp" not in answer.headers.get("Server", "")
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


def test_live_feed_when_streamed_then_security_headers_are_set(served: ServedApi) -> None:
    with served.client("vic") as client, client.stream(
            "GET", "/api/v1/events/stream?after=0") as answer:
        assert answer.status_code == 200
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("host", "status"), [
    ("evil.example", 421), ("evil.example:8000", 421), ("127.0.0.1.evil.example", 421),
    ("desk.example", 200), ("desk.example:8443", 200), ("localhost:1234", 200),
    ("[::1]:8000", 200),
])
def test_request_when_host_is_not_served_then_421(served: ServedApi, host: str,
                                                  status: int) -> None:
    with served.client() as client:
        answer = client.get("/health", headers={"Host": host})

    assert answer.status_code == status
    if status == 421:
        assert answer.json()["error"] == "unknown_host"


# The token file ---------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_token_file_when_group_or_world_can_read_it_then_refused(tmp_path: Path,
                                                                 mode: int) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("ada:admin:admin-token-ada-0123456789\n")
    tokens.chmod(mode)

    with pytest.raises(TokenConfigError, match="chmod 600") as refused:
        load(tokens)
    assert "admin-token" not in str(refused.value)


def test_token_file_when_owner_only_then_loaded(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("ada:admin:admin-token-ada-0123456789\n")
    tokens.chmod(0o600)

    loaded = load(tokens)

    assert loaded is not None and [o.name for o in loaded.operators()] == ["ada"]


def test_serve_when_token_file_is_world_readable_then_exits_2_naming_it(
    tmp_path: Path,
) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("ada:admin:admin-token-ada-0123456789\n")
    tokens.chmod(0o644)
    run = subprocess.run(
        [sys.executable, "-m", "cli", "serve", "--port", "0", "--tokens", str(tokens),
         "--store", f"sqlite:///{tmp_path}/desk.db"],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])

    assert run.returncode == 2
    assert "open to group or others" in run.stderr
    assert "admin-token" not in run.stderr + run.stdout



# Absurd intake answers ----------------------------------------------------------------------
@pytest.mark.parametrize("capital", [
    "99999999999999999999999 crore", "9" * 400, "1000000000000000 lakh",
    "99999999999999999999999 crore now, then SIP 99999999999999999999999 crore monthly",
])
def test_intake_when_capital_is_absurdly_large_then_422_with_the_reason(
    served: ServedApi, capital: str,
) -> None:
    with served.client("ada") as client:
        session = client.post("/api/v1/intake",
                              json={"account_id": "absurd", "name": "Absurd"}).json()
        answer_url = f"/api/v1/intake/{session['session_id']}/answer"
        assert client.post(answer_url, json={"text": "growth"}).status_code == 200

        answer = client.post(answer_url, json={"text": capital})

    assert answer.status_code == 422
    assert "more than this desk handles" in answer.text
