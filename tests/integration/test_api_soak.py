"""Soak: `desk serve --demo` under 16 concurrent clients with one malformed request a
second, while the sample day is fed. Nothing may answer 5xx and the live feed must deliver
every position of the log; `/health` p50/p99 are printed (see bench/soak.py), never asserted.

`DESK_SOAK_SECONDS` shortens the run for a quick local check (default 60).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from adapters.eventstore.store import DeskStore
from bench.soak import MALFORMED, report, soak, start_server
from tests.served import REPO

SECONDS = float(os.environ.get("DESK_SOAK_SECONDS", "60"))
CLIENTS = 16
TOKEN = "soak-admin-token-0123456789"


def test_serve_demo_when_soaked_with_malformed_requests_then_no_5xx_and_nothing_lost(
    tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path}/soak.db"
    proc, url = start_server(store, TOKEN, pace=0.1, cwd=REPO)
    try:
        result = asyncio.run(soak(url, TOKEN, SECONDS, CLIENTS))
    finally:
        proc.terminate()
        proc.wait(30)
    print(report(result, SECONDS, CLIENTS))

    assert result.server_errors == 0
    assert sum(result.statuses.values()) > CLIENTS * SECONDS  # the load really ran
    assert sum(result.malformed.values()) >= min(len(MALFORMED), int(SECONDS) - 1)
    assert set(result.malformed) <= {400, 401, 421}
    assert result.log_head > 0 and result.lost == []
    assert DeskStore(store).head() >= result.log_head  # the log kept what was served
