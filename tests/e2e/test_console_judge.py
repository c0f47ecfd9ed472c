"""The judge in the console, in headless Chromium against `desk serve --reviews rules` on
the sample store seeded to 13:35 IST: the review worker beside the API reviews the waiting
cards, and the queue, the card panel and the prompts table show it without a reload."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_console import TOKENS, card_row, log_in, screenshot
from tests.served import WAITING, DeskServer, copy_store, seed_sample_day

SIP = WAITING[0]


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[DeskServer]:
    seeded = seed_sample_day(tmp_path_factory.mktemp("judge-console-seed") / "desk.db")
    served = DeskServer(copy_store(seeded, tmp_path), TOKENS, "--reviews", "rules")
    yield served
    served.stop()


def test_console_when_judge_reviews_cards_then_queue_detail_and_prompt_table_show_it(
    server: DeskServer, browser: Browser,
) -> None:
    page = log_in(browser, server.url, "vic")
    row = card_row(page, SIP)

    expect(row.locator("td.verdict")).to_have_text(
        re.compile(r"^(support|caution|oppose)$"))
    row.get_by_role("link").click()
    expect(page.locator("#card-detail")).to_contain_text("Review")
    expect(page.locator("#card-detail .review")).to_contain_text("rule-based")
    expect(page.locator("#prompts tbody tr").first).to_contain_text("rule-based")
    screenshot(page, "console-judge")
