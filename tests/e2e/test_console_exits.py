"""Exit buttons in the operator console (headless Chromium, a real `desk serve --demo`):
each asks for a reason before anything is sent, and the order's new state arrives live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_console import (  # noqa: F401  (fixtures)
    SIP,
    TOKENS,
    card_row,
    log_in,
    screenshot,
    seeded,
)
from tests.served import DeskServer, copy_store

SLOW = "60"  # wall seconds per desk minute: the approved entry waits a minute for its bar


@pytest.fixture
def slow_server(seeded: Path, tmp_path: Path) -> Iterator[DeskServer]:  # noqa: F811
    served = DeskServer(copy_store(seeded, tmp_path), TOKENS, "--demo", "--pace", SLOW)
    yield served
    served.stop()


def test_console_when_approver_cancels_a_working_order_then_asked_why_and_it_shows_cancelled(
    slow_server: DeskServer, browser: Browser,
) -> None:
    page = log_in(browser, slow_server.url, "amy")
    card_row(page, SIP).get_by_role("button", name="Approve").click()
    order = page.locator(f'#orders tr[data-card-id="{SIP}"]')
    expect(order.locator(".status")).to_have_text("WORKING")
    expect(page.get_by_role("button", name="Flatten desk")).to_have_count(0)  # admin only

    order.get_by_role("button", name="Cancel").click()
    dialog = page.locator("#ask")
    expect(dialog).to_contain_text("Cancel order")
    dialog.get_by_label("Reason").fill("thesis broken")
    dialog.get_by_role("button", name="Cancel order", exact=True).click()

    expect(page.locator("#notice")).to_contain_text("cancel CANCELLED")
    expect(order.locator(".status")).to_have_text("CANCELLED")
    expect(order.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(page.locator('#feed li[data-type="ExitRequested"]')).to_have_count(1)
    assert screenshot(page, "approver-cancelled-order").stat().st_size > 0


def test_console_when_viewer_then_no_exit_buttons(
    slow_server: DeskServer, browser: Browser,
) -> None:
    page = log_in(browser, slow_server.url, "vic")
    expect(card_row(page, SIP).locator(".status")).to_have_text("PROPOSED")
    for control in ("Flatten account", "Flatten desk", "Close", "Cancel"):
        expect(page.get_by_role("button", name=control, exact=True)).to_have_count(0)


def test_console_when_admin_flattens_the_desk_then_confirmation_names_it(
    slow_server: DeskServer, browser: Browser,
) -> None:
    page = log_in(browser, slow_server.url, "ada")
    page.get_by_role("button", name="Flatten desk").click()
    dialog = page.locator("#ask")
    expect(dialog).to_contain_text("Flatten the whole desk?")
    dialog.get_by_label("Reason").fill("drill")
    dialog.get_by_role("button", name="Flatten desk", exact=True).click()

    expect(page.locator("#notice")).to_contain_text("nothing to exit")  # no order works yet
