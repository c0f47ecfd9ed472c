"""Strategies in the console, in headless Chromium against `desk serve` on the sample store
seeded to 13:35 IST: an approver sees what runs and pauses momentum with a reason; a viewer
sees the table without the buttons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_console import TOKENS, log_in, screenshot
from tests.e2e.test_console import seeded as seeded  # the module's seeded-store fixture
from tests.served import DeskServer, copy_store


@pytest.fixture
def server(seeded: Path, tmp_path: Path) -> Iterator[DeskServer]:
    served = DeskServer(copy_store(seeded, tmp_path), TOKENS)
    yield served
    served.stop()


def test_console_when_approver_pauses_a_strategy_then_its_row_says_paused_with_the_reason(
    server: DeskServer, browser: Browser,
) -> None:
    page = log_in(browser, server.url, "amy")
    row = page.locator('#strategies tr[data-strategy="momentum"]')
    expect(row.locator(".status")).to_have_text("running")
    expect(row.locator(".versions")).to_contain_text("momentum-")

    row.get_by_role("button", name="Pause").click()
    dialog = page.locator("#ask")
    expect(dialog).to_contain_text("Pause strategy momentum?")
    dialog.get_by_label("Reason").fill("volatile afternoon")
    dialog.get_by_role("button", name="Pause", exact=True).click()

    expect(page.locator("#notice")).to_contain_text("momentum: paused")
    expect(row.locator(".status")).to_have_text("paused (volatile afternoon)")
    expect(row.locator(".versions")).to_have_text("—")
    expect(row.get_by_role("button", name="Resume")).to_be_visible()
    assert screenshot(page, "console-strategies").stat().st_size > 0


def test_console_when_viewer_then_strategies_shown_without_pause_buttons(
    server: DeskServer, browser: Browser,
) -> None:
    page = log_in(browser, server.url, "vic")

    expect(page.locator('#strategies tr[data-strategy="buyback"] .status')).to_have_text(
        "running")
    expect(page.locator("#strategies").get_by_role("button")).to_have_count(0)
