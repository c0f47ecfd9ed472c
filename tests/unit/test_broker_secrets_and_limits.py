"""Broker secrets come only from the environment or owner-only files; rate limits hold."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from adapters.brokers.credentials import (
    CredentialError,
    read_secret,
    read_secret_file,
    write_secret_file,
)
from adapters.brokers.ratelimit import RateLimiter, Window


def test_read_secret_when_the_variable_is_set_then_its_value_is_used() -> None:
    assert read_secret("UPSTOX_API_SECRET", {"UPSTOX_API_SECRET": " s3cret \n"}) == "s3cret"


def test_read_secret_when_only_an_owner_only_file_is_named_then_it_is_read(tmp_path: Path
                                                                          ) -> None:
    path = tmp_path / "secret"
    write_secret_file(path, "from-file")

    value = read_secret("KITE_API_SECRET", {"KITE_API_SECRET_FILE": str(path)})

    assert value == "from-file"
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_read_secret_when_the_file_is_readable_by_others_then_it_is_refused_without_the_value(
    tmp_path: Path,
) -> None:
    path = tmp_path / "secret"
    path.write_text("do-not-print-me")
    path.chmod(0o644)

    with pytest.raises(CredentialError, match="chmod 600") as refused:
        read_secret_file(path, "KITE_API_SECRET")

    assert "do-not-print-me" not in str(refused.value)


def test_read_secret_when_nothing_is_set_then_the_error_says_how_to_set_it() -> None:
    with pytest.raises(CredentialError, match="UPSTOX_ACCESS_TOKEN_FILE"):
        read_secret("UPSTOX_ACCESS_TOKEN", {})


def test_acquire_when_a_window_is_full_then_it_waits_until_the_oldest_request_leaves_it(
) -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(Window(2, 1.0), Window(3, 60.0), clock=lambda: now[0], sleep=sleep,
                          margin=0.0)

    async def three() -> None:
        await limiter.acquire()
        await limiter.acquire()
        assert limiter.headroom() == {"2/1s": 0, "3/60s": 1}
        await limiter.acquire()  # the per-second window is full: waits a second

    asyncio.run(three())

    assert now[0] == 1.0
    assert limiter.headroom() == {"2/1s": 1, "3/60s": 0}
