"""`desk ingest candles` against a local fake of the Upstox and Kite candle endpoints: the
candles become the same bars a file would, once; a refused token stops it with the venue's
reason; a malformed candle is rejected with the reason while the rest go in."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from adapters.eventstore.store import DeskStore
from adapters.files.sample import SAMPLE_DIR
from devtools.feeds.candles import FakeCandles

INFY_KEY = "NSE_EQ|INE009A01021"
TCS_TOKEN = "2953217"
UPSTOX_TOKEN = "upstox-token-for-tests"
KITE_KEY, KITE_TOKEN = "kite-key", "kite-access-token"


def sample_count(symbol: str) -> int:
    return sum(line.startswith(f"{symbol},")
               for line in (SAMPLE_DIR / "bars.csv").read_text().splitlines())


def ingest(tmp_path: Path, upstox_token: str = UPSTOX_TOKEN, broken: tuple[str, ...] = (),
           runs: int = 1, extra: tuple[str, ...] = (), fail_at: tuple[int, ...] = (),
           throttle_at: tuple[int, ...] = (), seen: list[list[str]] | None = None,
           ) -> list[subprocess.CompletedProcess[str]]:
    """Run `desk ingest candles` (with `extra` arguments) `runs` times against a fresh
    fake; each run's result, and in `seen` each run's requests."""
    async def body() -> list[subprocess.CompletedProcess[str]]:
        fake = FakeCandles(SAMPLE_DIR / "bars.csv", {INFY_KEY: "INFY"}, {TCS_TOKEN: "TCS"},
                           UPSTOX_TOKEN, f"{KITE_KEY}:{KITE_TOKEN}")
        fake.broken.update(broken)
        fake.fail_at.update(fail_at)
        fake.throttle_at.update(throttle_at)
        await fake.start()
        feeds = tmp_path / "feeds.json"
        feeds.write_text(json.dumps({"feeds": [
            {"venue": "upstox", "mode": "full", "api_host": fake.base_url,
             "instruments": {INFY_KEY: "INFY"}},
            {"venue": "kite", "mode": "quote", "api_url": fake.base_url,
             "instruments": {TCS_TOKEN: "TCS"}}]}))
        env = {k: v for k, v in os.environ.items() if k != "DESK_STORE"}
        env.update(UPSTOX_ACCESS_TOKEN=upstox_token, KITE_API_KEY=KITE_KEY,
                   KITE_ACCESS_TOKEN=KITE_TOKEN)
        results = []
        try:
            for _ in range(runs):
                before = len(fake.requests)
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "cli", "ingest", "candles", "--feeds", str(feeds),
                    "--from", "2026-11-20", *extra,
                    "--store", f"sqlite:///{tmp_path / 'desk.db'}",
                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = await asyncio.wait_for(proc.communicate(), 240)
                if seen is not None:
                    seen.append(fake.requests[before:])
                results.append(subprocess.CompletedProcess(
                    [], proc.returncode or 0, out.decode(), err.decode()))
        finally:
            await fake.stop()
        return results

    return asyncio.run(body())


def bars(tmp_path: Path, symbol: str) -> list[str]:
    store = DeskStore(f"sqlite:///{tmp_path / 'desk.db'}")
    return [e.type for e in store.stream(f"bars-{symbol}-20261120")]


def test_ingest_candles_when_both_venues_answer_then_their_candles_are_the_days_bars_once(
    tmp_path: Path,
) -> None:
    first, again = ingest(tmp_path, runs=2)

    assert first.returncode == 0, first.stderr
    assert bars(tmp_path, "INFY") == ["BarClosed"] * sample_count("INFY")
    assert bars(tmp_path, "TCS") == ["BarClosed"] * sample_count("TCS")
    assert again.returncode == 0 and ": 0 new event(s) stored" in again.stdout


def test_ingest_candles_when_the_upstox_token_is_refused_then_exit_2_with_its_reason(
    tmp_path: Path,
) -> None:
    [run] = ingest(tmp_path, upstox_token="expired-token")

    assert run.returncode == 2
    assert "upstox INFY: HTTP 401: Invalid token used to access API" in run.stderr
    assert "expired-token" not in run.stderr + run.stdout


def test_ingest_candles_when_a_candle_is_malformed_then_it_is_rejected_and_the_rest_stored(
    tmp_path: Path,
) -> None:
    [run] = ingest(tmp_path, broken=("TCS",))

    assert run.returncode == 0, run.stderr
    assert "kite: TCS candle 1: rejected: open" in run.stderr
    assert bars(tmp_path, "TCS") == ["BarClosed"] * (sample_count("TCS") - 1)
    store = DeskStore(f"sqlite:///{tmp_path / 'desk.db'}")
    [rejected] = [r.event for r in store.read_all() if r.event.type == "InputRejected"]
    assert rejected.actor == "candles:kite"


def test_ingest_candles_when_the_range_exceeds_one_request_then_it_is_split_as_each_venue_allows(
    tmp_path: Path,
) -> None:
    # 2026-07-01..2026-11-20 is 143 days: Upstox allows a month of minute candles a
    # request, Kite 60 days; the fake refuses any longer range with 400.
    seen: list[list[str]] = []
    [run] = ingest(tmp_path, extra=("--from", "2026-07-01", "--to", "2026-11-20"), seen=seen)

    assert run.returncode == 0, run.stderr
    assert bars(tmp_path, "INFY") == ["BarClosed"] * sample_count("INFY")
    assert bars(tmp_path, "TCS") == ["BarClosed"] * sample_count("TCS")
    upstox = [r.split("/")[-2:] for r in seen[0] if r.startswith("/v3/")]
    assert upstox == [["2026-07-20", "2026-07-01"], ["2026-08-20", "2026-07-21"],
                      ["2026-09-20", "2026-08-21"], ["2026-10-20", "2026-09-21"],
                      ["2026-11-20", "2026-10-21"]]
    assert len([r for r in seen[0] if r.startswith("/instruments/")]) == 3  # 60 + 60 + 23 days
    assert "(8 request(s))" in run.stdout


def test_ingest_candles_when_a_request_fails_part_way_then_a_rerun_with_progress_goes_on(
    tmp_path: Path,
) -> None:
    progress = tmp_path / "progress.json"
    seen: list[list[str]] = []
    first, second = ingest(tmp_path, runs=2, fail_at=(3,), throttle_at=(6,), seen=seen,
                           extra=("--from", "2026-09-01", "--to", "2026-11-20",
                                  "--progress", str(progress)))

    assert first.returncode == 2
    assert "upstox INFY: HTTP 500: Internal error" in first.stderr
    assert f"2 request(s) done are kept in {progress}" in first.stderr
    assert second.returncode == 0, second.stderr
    # The rerun asks only for what the first did not store: Upstox's last window, then
    # Kite's two (the second of them throttled once and asked again).
    assert seen[1][0] == seen[0][2] and seen[1][0].endswith("/2026-11-20/2026-10-21")
    assert [r.startswith("/instruments/") for r in seen[1]] == [False, True, True, True]
    assert seen[1][2] == seen[1][3]
    assert bars(tmp_path, "INFY") == ["BarClosed"] * sample_count("INFY")
    assert bars(tmp_path, "TCS") == ["BarClosed"] * sample_count("TCS")
