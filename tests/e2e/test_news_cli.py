"""`desk news poll --once` as an operator runs it against a local news site."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import DeskCli
from tests.served import DeskServer

VIEWER = "viewer-token-vic-0123456789"


@pytest.fixture
def news_site() -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "devtools.news_site"],
                            stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout is not None
    line = proc.stdout.readline()
    try:
        yield line.split()[3].rstrip(":")
    finally:
        proc.terminate()
        proc.wait(10)


def test_news_poll_when_run_twice_then_items_logged_once_and_counted(
    desk: DeskCli, tmp_path: Path, news_site: str,
) -> None:
    config = tmp_path / "pollers.yaml"
    config.write_text(f"rss:\n  - {{url: '{news_site}/feed.xml', source: Local Wire}}\n"
                      f"nse: {{base_url: '{news_site}'}}\n")
    store = f"sqlite:///{tmp_path / 'desk.db'}"
    args = ("news", "poll", "--config", str(config), "--once", "--store", store)

    first = [json.loads(line) for line in desk.run(*args).stdout.splitlines()]
    again = [json.loads(line) for line in desk.run(*args).stdout.splitlines()]
    events = desk.run("replay", "events", "--store", store).stdout

    assert [(r["channel"], r["accepted"]) for r in first] == [
        ("rss:Local Wire", 1), ("nse:announcements", 1)]
    assert [(r["accepted"], r["duplicate"]) for r in again] == [(0, 1), (0, 1)]
    assert events.count("AnnouncementArrived") == 1
    assert events.count("NewsArrived") == 1


def test_news_poll_when_the_config_names_an_unknown_field_then_exit_2_naming_it(
    desk: DeskCli, tmp_path: Path,
) -> None:
    config = tmp_path / "pollers.yaml"
    config.write_text("rss:\n  - {url: 'http://127.0.0.1:9/feed.xml', source: W, etag: x}\n")

    proc = desk.run("news", "poll", "--config", str(config), "--once", check=False)

    assert proc.returncode == 2
    assert "rss.0.etag" in proc.stderr


def test_serve_when_given_a_pollers_file_then_polled_filings_show_in_the_api(
    tmp_path: Path, news_site: str,
) -> None:
    config = tmp_path / "pollers.yaml"
    config.write_text(f"interval_seconds: 0.2\nnse: {{base_url: '{news_site}'}}\n")
    server = DeskServer(tmp_path / "desk.db", {"vic": ("viewer", VIEWER)},
                        "--news-config", str(config))
    try:
        with httpx.Client(base_url=server.url, timeout=10,
                          headers={"Authorization": f"Bearer {VIEWER}"}) as client:
            filings: list[dict[str, object]] = []
            for _ in range(300):  # until the first round is logged (no timing asserted)
                page = client.get("/api/v1/events", params={"type": "AnnouncementArrived"})
                filings = [e["payload"] for e in page.json()["events"]]
                if filings:
                    break
                time.sleep(0.1)
            time.sleep(1)  # a few more rounds: the same filing again
            again = client.get("/api/v1/events", params={"type": "AnnouncementArrived"})
            metrics = client.get("/metrics").text
    finally:
        server.stop()

    assert [(f["symbol"], f["source_id"]) for f in filings] == [("INFY", "nse-900001")]
    assert len(again.json()["events"]) == 1
    assert 'desk_news_items_total{channel="nse:announcements",outcome="accepted"} 1' in metrics
    assert 'desk_news_source_up{channel="nse:announcements"} 1' in metrics
