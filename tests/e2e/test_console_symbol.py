"""The symbol page against a real `desk serve` on the sample store seeded to 10:10 IST: its
figures as JSON (bars, a card's entry/stop/target, the news on the symbol), an unknown
symbol refused with a reason, and the page opened from a card's detail in headless
Chromium, where bokeh draws the chart under the page's own policy with no console error."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.e2e.test_console import TOKENS, log_in
from tests.served import DeskServer, copy_store, seed_sample_day

DAY = "2026-11-20"
SIP = "card-sip-aggressive-buyback-INFY-20261120"  # proposed 10:05:30, waiting at 10:10
SERIES = "/api/v1/symbols/{}/series"
SLOW = 600_000  # ms: an upper bound, the page reads the log from the start (a loaded CI)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample day to 10:10 IST: INFY's buyback card waits for a human."""
    return seed_sample_day(tmp_path_factory.mktemp("symbol-seed") / "desk.db", 10, 10)


@pytest.fixture(scope="module")
def server(seeded: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskServer]:
    served = DeskServer(copy_store(seeded, tmp_path_factory.mktemp("symbol")), TOKENS)
    yield served
    served.stop()


def _client(server: DeskServer, name: str | None = "vic") -> httpx.Client:
    headers = {"Authorization": f"Bearer {TOKENS[name][1]}"} if name else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=300)


def test_series_when_asked_for_the_demo_day_then_bars_the_card_and_its_news(
    server: DeskServer,
) -> None:
    with _client(server) as vic:
        series = vic.get(SERIES.format("INFY"), params={"day": DAY}).json()
        card = vic.get(f"/api/v1/cards/{SIP}").json()["card"]

    assert series["day"] == DAY and len(series["bars"]) == 55  # 09:15 to 10:09 IST
    assert all(b["rsi"] is not None for b in series["bars"][20:])
    (shown,) = [c for c in series["cards"] if c["card_id"] == SIP]
    assert (Decimal(shown["entry"]), Decimal(shown["stop"]), Decimal(shown["target"])) == (
        Decimal(card["reference_price"]),
        Decimal(card["stop"]),
        Decimal(card["target"]),
    )
    assert shown["status"] == "PROPOSED" and shown["fills"] == []
    assert any("buyback" in n["headline"].lower() for n in series["news"])
    assert any(s["strategy"] == "buyback" for s in series["signals"])


def test_series_when_the_symbol_is_unknown_or_no_token_then_404_with_reason_or_401(
    server: DeskServer,
) -> None:
    with _client(server) as vic, _client(server, None) as anonymous:
        unknown = vic.get(SERIES.format("NOSUCH"))
        chart = vic.get("/api/v1/symbols/NOSUCH/chart")
        no_token = anonymous.get(SERIES.format("INFY"))

    assert unknown.status_code == 404 and unknown.json()["field"] == "symbol"
    assert "no instrument 'NOSUCH'" in unknown.json()["detail"]
    assert chart.status_code == 404
    assert no_token.status_code == 401 and "bars" not in no_token.text


def test_symbol_page_when_opened_from_a_card_then_bokeh_draws_the_chart_without_errors(
    server: DeskServer,
    browser: Browser,
    tmp_path: Path,
) -> None:
    page = log_in(browser, server.url, "vic")
    problems: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", watch)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.locator(f'#queue tr[data-card-id="{SIP}"] td.card a').click()
    page.get_by_role("link", name="Chart of INFY").click()
    page.wait_for_url(f"**/symbols/INFY?*day={DAY}*")
    page.locator("#symbol-chart[data-drawn=true], #notice:not([hidden])").first.wait_for(
        timeout=SLOW
    )
    assert page.locator("#notice").is_hidden(), page.locator("#notice").text_content()
    canvases = page.evaluate("""() => {
        let found = 0;
        const walk = (root) => root.querySelectorAll("*").forEach((node) => {
            if (node.tagName === "CANVAS" && node.width > 0) found += 1;
            if (node.shadowRoot) walk(node.shadowRoot);
        });
        walk(document);
        return found;
    }""")
    row = page.locator(f'#symbol-cards tr[data-card-id="{SIP}"]')
    saved = tmp_path / "symbol-page.png"
    page.screenshot(path=str(saved), full_page=True)

    assert canvases >= 2  # the price pane and the RSI pane
    expect(row).to_have_class("selected")
    expect(row.locator(".status")).to_have_text("PROPOSED")
    expect(page.locator("#symbol-news tr[data-kind=announcement]").first).to_be_visible()
    assert saved.stat().st_size > 0 and problems == []
