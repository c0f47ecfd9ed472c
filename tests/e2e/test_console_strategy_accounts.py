"""Pausing a strategy for one account from the console (headless Chromium against
`desk serve` on the sample store): the row keeps running for the others, names the paused
account, and offers to resume it. A DCA strategy shows what it buys and when it is next
due, and an admin retires it for one account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_console import TOKENS, log_in, screenshot
from tests.e2e.test_console import seeded as seeded  # the module's seeded-store fixture
from tests.integration.test_api_strategy_dca import DCA_TEXT
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


def test_console_when_admin_retires_a_dca_strategy_for_one_account_then_row_names_it(
    server: DeskServer,
    browser: Browser,
) -> None:
    admin = {"Authorization": f"Bearer {TOKENS['ada'][1]}"}
    with httpx.Client(base_url=f"{server.url}/api/v1", headers=admin) as api:
        published = api.post("/strategies/publish", json={"text": DCA_TEXT}).json()
        version = published["strategies"][0]["versions"][0]["version_id"]
        api.post("/strategies/tcs_dca/deploy", json={"version_id": version}).raise_for_status()
    page = log_in(browser, server.url, "ada")
    row = page.locator('#strategies tr[data-strategy="tcs_dca"]')
    # The sample day is Friday 20 Nov at 13:35 IST: the next weekday 09:30 is Monday's.
    expect(row.locator(".kind")).to_contain_text("₹10,000.00 of TCS")
    expect(row.locator(".dca-schedule")).to_have_text("30 9 * * 1-5")
    expect(row.locator(".dca-due")).to_contain_text("Mon")
    expect(row.locator(".dca-due")).to_contain_text("23 Nov")
    expect(row.locator(".dca-due")).to_contain_text("09:30 IST")
    expect(row.locator(".plain-entry")).to_have_text("plain entry: no stop or target")

    row.get_by_role("button", name="Retire").click()
    dialog = page.locator("#ask")
    dialog.get_by_label("Reason").fill("client stops the SIP")
    dialog.get_by_label("Accounts").fill("sip-aggressive")
    dialog.get_by_role("button", name="Retire", exact=True).click()

    expect(page.locator("#notice")).to_contain_text("retired for sip-aggressive")
    expect(row.locator(".status")).to_have_text("running; retired for sip-aggressive")
    expect(row.locator(".versions")).not_to_contain_text("sip-aggressive")
    assert screenshot(page, "console-strategy-dca").stat().st_size > 0
