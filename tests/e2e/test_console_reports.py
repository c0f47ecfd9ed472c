"""The console's reports panel in a real headless Chromium against a real `desk serve`: a
viewer asks for the EOD report, sees its headline, downloads its page and opens that page
offline, where the day's figures and charts show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import open_offline
from tests.e2e.test_console import TOKENS, log_in, screenshot
from tests.e2e.test_console import seeded as seeded  # the sample day seeded to 13:35 IST
from tests.served import DeskServer, copy_store

DAY = "2026-11-20"


@pytest.fixture
def server(seeded: Path, tmp_path: Path) -> Iterator[DeskServer]:
    served = DeskServer(copy_store(seeded, tmp_path), TOKENS)
    yield served
    served.stop()


def test_console_when_viewer_makes_the_eod_report_then_listed_and_its_page_opens_offline(
    server: DeskServer, browser: Browser, tmp_path: Path,
) -> None:
    page = log_in(browser, server.url, "vic")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)

    page.locator("#report-kind").select_option("eod")
    page.get_by_label("Day or from").fill(DAY)
    page.get_by_role("button", name="Make report").click()
    listed = page.locator(f'#reports li[data-report="eod-{DAY}"]')
    expect(listed).to_contain_text(f"End of day {DAY}: P&L after charges")
    with page.expect_download() as download:
        listed.get_by_role("link", name="page (HTML)").click()
    saved = tmp_path / f"eod-{DAY}.html"
    download.value.save_as(saved)
    page.locator("#reports-panel").scroll_into_view_if_needed()
    screenshot(page, "console-reports")

    report, outside = open_offline(browser, saved)
    report.locator(".bk-Canvas, canvas").first.wait_for(timeout=30_000)
    assert report.get_by_role("heading", name=f"End of day {DAY}").is_visible()
    assert report.get_by_role("cell", name="P&L after charges (realised)").is_visible()
    assert outside == [] and violations == []
    assert page.evaluate("window.sameDocument")


def test_console_when_viewer_clicks_pdf_then_the_printed_report_downloads(
    server: DeskServer, browser: Browser, tmp_path: Path,
) -> None:
    page = log_in(browser, server.url, "vic")

    page.locator("#report-kind").select_option("monthly")
    page.get_by_role("button", name="Make report").click()
    listed = page.locator('#reports li[data-report="monthly-2026-11"]')
    expect(listed).to_contain_text("Month 2026-11")
    with page.expect_download(timeout=120_000) as download:
        listed.get_by_role("button", name="PDF").click()
    saved = tmp_path / "monthly.pdf"
    download.value.save_as(saved)

    assert download.value.suggested_filename == "monthly-2026-11.pdf"
    assert saved.read_bytes().startswith(b"%PDF")
    assert listed.locator(".pdf-note").text_content() == ""
