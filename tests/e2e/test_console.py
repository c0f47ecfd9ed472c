"""The operator console in a real headless Chromium, against a real `desk serve --demo`.

Each test gets its own server on a copy of the sample store seeded to 13:35 IST, with the
demo feed going on from there at 4 s a desk minute: three BAJAJ-AUTO cards wait for a human
until 13:51, and an approved card fills on the next bar. Nothing here reloads the page;
what changes arrives over the console's live feed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.served import REPO, WAITING, DeskServer, copy_store, seed_sample_day

SCREENSHOTS = REPO / "artifacts" / "screenshots"
TOKENS = {"vic": ("viewer", "viewer-token-vic-0123456789"),
          "amy": ("approver", "approver-token-amy-0123456789"),
          "ada": ("admin", "admin-token-ada-0123456789")}
SIP = WAITING[0]
PACE = "4"  # wall seconds per desk minute: the waiting cards expire 12 desk minutes on

expect.set_options(timeout=30_000)  # an upper bound for the page to catch up, not a timing


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_sample_day(tmp_path_factory.mktemp("console-seed") / "desk.db")


@pytest.fixture
def server(seeded: Path, tmp_path: Path) -> Iterator[DeskServer]:
    served = DeskServer(copy_store(seeded, tmp_path), TOKENS, "--demo", "--pace", PACE)
    yield served
    served.stop()


def log_in(browser: Browser, url: str, name: str) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
    page.goto(f"{url}/")
    page.get_by_label("Bearer token").fill(TOKENS[name][1])
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#who-role")).to_have_text(TOKENS[name][0])
    expect(page.locator("#feed-state")).to_have_text("feed: live")
    page.evaluate("window.sameDocument = true")  # gone if the page ever reloads
    return page


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def card_row(page: Page, card_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#queue tr[data-card-id="{card_id}"]')


def test_console_when_approver_approves_a_card_then_order_and_position_appear_live(
    server: DeskServer, browser: Browser,
) -> None:
    page = log_in(browser, server.url, "amy")
    row = card_row(page, SIP)
    expect(row.locator(".status")).to_have_text("PROPOSED")
    expect(page.get_by_role("button", name="Trip kill switch")).to_have_count(0)
    expect(page.get_by_role("button", name="Halt desk")).to_have_count(0)

    row.get_by_role("link").click()
    expect(page.locator("#card-detail")).to_contain_text("Guardrails")
    expect(page.locator("#card-detail .guardrails")).to_contain_text("kill_switch")
    expect(page.locator("#card-detail .guardrails td.failed")).to_have_count(0)
    row.get_by_role("button", name="Approve").click()

    expect(page.locator("#notice")).to_contain_text(f"Approved {SIP}: order")
    expect(row).to_be_hidden()  # decided cards fold away below the waiting ones
    page.locator("#show-decided").check()
    expect(row.locator(".status")).to_have_text("APPROVED")
    expect(row.locator("td.card code")).to_have_attribute("title", SIP)  # full id on hover
    order = page.locator(f'#orders tr[data-card-id="{SIP}"]')
    expect(order).to_have_count(1)
    expect(order.locator("code")).to_have_attribute("title", re.compile(r"^order-"))
    # The orders table stays inside its panel (it scrolls there), not past the page.
    assert page.evaluate("""() => {
        const panel = document.querySelector('#orders-panel').getBoundingClientRect();
        return panel.right <= document.querySelector('main').getBoundingClientRect().right;
    }""")
    position = page.locator(
        '#positions tr[data-account="sip-aggressive"][data-symbol="BAJAJ-AUTO"]')
    expect(position).to_be_visible()  # filled on a later bar, shown from the live feed
    expect(page.locator('#feed li[data-type="OrderFilled"]')).not_to_have_count(0)
    assert page.evaluate("window.sameDocument") is True
    assert screenshot(page, "approver-approved").stat().st_size > 0


def test_console_when_viewer_then_no_approve_button_and_api_refuses_approval(
    server: DeskServer, browser: Browser,
) -> None:
    page = log_in(browser, server.url, "vic")
    expect(card_row(page, SIP).locator(".status")).to_have_text("PROPOSED")
    for control in ("Approve", "Reject", "Trip kill switch", "Halt desk"):
        expect(page.get_by_role("button", name=control)).to_have_count(0)

    viewer = {"Authorization": f"Bearer {TOKENS['vic'][1]}"}
    refused = page.request.post(f"{server.url}/api/v1/cards/{SIP}/approve", headers=viewer)

    assert refused.status == 403
    assert "needs approver" in refused.json()["detail"]
    orders = httpx.get(f"{server.url}/api/v1/orders", headers=viewer).json()["orders"]
    assert [o for o in orders if o["card_id"] == SIP] == []
    assert screenshot(page, "viewer").stat().st_size > 0


def test_console_when_admin_trips_kill_switch_then_approval_refused_with_reason(
    server: DeskServer, browser: Browser,
) -> None:
    page = log_in(browser, server.url, "ada")
    account = page.locator('article[data-account-id="sip-aggressive"]')
    account.get_by_role("button", name="Trip kill switch").click()
    dialog = page.locator("#ask")
    expect(dialog).to_contain_text("Trip the kill switch of sip-aggressive?")
    dialog.get_by_label("Reason").fill("broker outage")
    dialog.get_by_role("button", name="Trip", exact=True).click()
    expect(account.locator(".badge.halted")).to_be_visible()
    expect(account).to_contain_text("Kill switch: broker outage")

    with page.expect_response(lambda r: r.url.endswith(f"/cards/{SIP}/approve")) as answer:
        card_row(page, SIP).get_by_role("button", name="Approve").click()

    assert answer.value.status == 409
    assert "kill_switch" in answer.value.json()["reason"]
    notice = page.locator("#notice")
    expect(notice).to_contain_text(f"Approval of {SIP} refused (409)")
    expect(notice).to_contain_text("kill switch tripped")
    page.locator("#show-decided").check()
    expect(card_row(page, SIP).locator(".status")).to_have_text("REJECTED")
    expect(page.locator(f'#orders tr[data-card-id="{SIP}"]')).to_have_count(0)
    assert screenshot(page, "admin-kill-switch").stat().st_size > 0


def test_console_when_viewer_asks_for_tax_figures_then_the_years_report_shows(
    server: DeskServer, browser: Browser,
) -> None:
    page = log_in(browser, server.url, "vic")

    page.get_by_label("Account", exact=True).fill("event-tactical")
    page.get_by_label("Financial year").fill("2026-27")
    page.get_by_label("Method").select_option("lifo")
    page.get_by_role("button", name="Show").click()

    tax = page.locator("#tax")
    expect(tax).to_contain_text("LIFO (analysis view only")
    expect(tax).to_contain_text("Speculative income")
    expect(page.locator("#tax-lots")).to_contain_text("no sales in this year")
    assert page.evaluate("window.sameDocument")


def test_console_when_served_under_its_content_security_policy_then_nothing_is_blocked(
    server: DeskServer, browser: Browser,
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    # Record every violation the browser reports, from the first script on.
    context.add_init_script("""window.cspViolations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));""")
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    answer = page.goto(f"{server.url}/")
    assert answer is not None
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    page.get_by_label("Bearer token").fill(TOKENS["amy"][1])
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#feed-state")).to_have_text("feed: live")
    card_row(page, SIP).get_by_role("link").click()
    expect(page.locator("#card-detail")).to_contain_text("Guardrails")
    console_violations = page.evaluate("window.cspViolations")
    page.goto(f"{server.url}/docs")
    expect(page.locator("h1")).to_contain_text("eventdesk API")
    docs_violations = page.evaluate("window.cspViolations")
    styled = page.evaluate(
        "getComputedStyle(document.querySelector('.op')).borderTopStyle")
    context.close()

    assert console_violations == [] and docs_violations == [] and blocked == []
    assert styled == "solid"  # the docs page's inline style was allowed by its hash
