"""Pausing a strategy for one account from the console (headless Chromium against
`desk serve` on the sample store): the row keeps running for the others, names the paused
account, and offers to resume it."""

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


def test_console_when_approver_pauses_for_one_account_then_the_row_names_it_and_runs_on(
    server: DeskServer,
    browser: Browser,
) -> None:
    page = log_in(browser, server.url, "amy")
    row = page.locator('#strategies tr[data-strategy="momentum"]')
    expect(row.locator(".status")).to_have_text("running")

    row.get_by_role("button", name="Pause").click()
    dialog = page.locator("#ask")
    dialog.get_by_label("Reason").fill("client asked")
    dialog.get_by_label("Accounts").fill("sip-aggressive")
    dialog.get_by_role("button", name="Pause", exact=True).click()

    expect(page.locator("#notice")).to_contain_text("paused for sip-aggressive")
    expect(row.locator(".status")).to_have_text("running; paused for sip-aggressive")
    expect(row.locator(".versions")).to_contain_text("momentum-")
    expect(row.locator(".versions")).not_to_contain_text("sip-aggressive")
    expect(row.get_by_role("button", name="Resume")).to_be_visible()
    assert screenshot(page, "console-strategy-accounts").stat().st_size > 0
