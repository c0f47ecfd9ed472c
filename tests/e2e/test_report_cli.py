"""`desk report eod|monthly|compliance` on the sample day's store, as an operator runs it:
the figures agree with the demo's own summary, and each page opens offline in Chromium
showing them (a screenshot per report under artifacts/screenshots)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from adapters.reports.figures import rupees
from tests.e2e.conftest import DeskCli, open_offline
from tests.served import REPO

SCREENSHOTS = REPO / "artifacts" / "screenshots"
DAY = "2026-11-20"  # the sample day


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[DeskCli, str, dict[str, Any]]:
    """The sample day run once into a store: the CLI, the store URL and the demo's summary."""
    where = tmp_path_factory.mktemp("reports")
    desk = DeskCli(where)
    store = f"sqlite:///{where / 'desk.db'}"
    return desk, store, desk.json("demo", "--store", store)


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"report-{name}.png"), full_page=True)


def test_report_eod_when_run_on_the_sample_day_then_each_account_matches_the_demo(
    sample: tuple[DeskCli, str, dict[str, Any]],
) -> None:
    desk, store, summary = sample

    report = desk.json("report", "eod", "--date", DAY, "--store", store)

    for row in report["accounts"]:
        demo = summary["accounts"][row["account_id"]]
        assert (row["realised_pnl"], row["charges"]) == (demo["realised_pnl"], demo["costs"])
        assert (row["cards_proposed"], row["cards_blocked"], row["closed_trades"]) == (
            demo["cards_proposed"],
            demo["cards_blocked"],
            demo["closed_trades"],
        )
    assert [k["scope"] for k in report["kill_switches"]] == ["event-tactical"]
    assert any(c["decision"] == "blocked" and c["reason"] for c in report["cards"])


def test_report_eod_when_opened_offline_in_chromium_then_shows_pnl_and_kill_switch(
    sample: tuple[DeskCli, str, dict[str, Any]], tmp_path: Path, browser: Browser
) -> None:
    desk, store, summary = sample
    desk.run("report", "eod", "--date", DAY, "--out", str(tmp_path), "--pdf", "--store", store)
    tactical = summary["accounts"]["event-tactical"]

    page, outside = open_offline(browser, tmp_path / f"eod-{DAY}.html")

    page.locator(".bk-Canvas, canvas").first.wait_for(timeout=30_000)
    assert page.get_by_role("heading", name=f"End of day {DAY}").is_visible()
    row = page.locator("table").nth(1).get_by_role("row", name="event-tactical")
    assert rupees(Decimal(tactical["realised_pnl"])) in row.inner_text()
    assert "HALTED" in row.inner_text()
    assert page.get_by_text("daily loss -2155.47 reached limit -2000").first.is_visible()
    assert outside == []
    assert (tmp_path / f"eod-{DAY}.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((tmp_path / f"eod-{DAY}.json").read_text())["day"] == DAY
    _shot(page, "eod")


def test_report_monthly_when_opened_offline_then_hit_rate_attribution_and_charts(
    sample: tuple[DeskCli, str, dict[str, Any]], tmp_path: Path, browser: Browser
) -> None:
    desk, store, summary = sample
    report = desk.json(
        "report", "monthly", "--month", "2026-11", "--out", str(tmp_path), "--store", store
    )
    closed = sum(a["closed_trades"] for a in summary["accounts"].values())

    page, outside = open_offline(browser, tmp_path / "monthly-2026-11.html")

    assert report["trades"] == closed
    assert {a["key"] for a in report["by_account"]} <= set(summary["accounts"])
    page.locator(".bk-Canvas, canvas").first.wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Attribution by strategy").is_visible()
    hit_rate = f"{float(report['hit_rate_pct']):.2f}%"
    assert page.get_by_role("row", name=f"Hit rate {hit_rate}", exact=True).is_visible()
    assert outside == []
    _shot(page, "monthly")


def test_report_compliance_when_opened_offline_then_every_order_with_its_approval(
    sample: tuple[DeskCli, str, dict[str, Any]], tmp_path: Path, browser: Browser
) -> None:
    desk, store, summary = sample
    report = desk.json(
        "report", "compliance", "--from", DAY, "--to", DAY, "--out", str(tmp_path), "--store", store
    )
    orders = sum(a["orders"] for a in summary["accounts"].values())

    page, outside = open_offline(browser, tmp_path / f"compliance-{DAY}-to-{DAY}.html")

    assert len(report["orders"]) == orders
    assert all(o["approved_by"] == summary["approved_by"] for o in report["orders"])
    assert all(o["evidence"] and o["guardrails_at_proposal"] for o in report["orders"])
    assert page.get_by_role("heading", name=f"Compliance {DAY} to {DAY}").is_visible()
    assert page.get_by_role("cell", name="Re-check at approval: cash").first.is_visible()
    assert page.get_by_text(f"by {summary['approved_by']}").first.is_visible()
    assert outside == []
    _shot(page, "compliance")


def test_report_when_the_store_does_not_exist_then_exit_2_and_nothing_created(
    tmp_path: Path,
) -> None:
    desk = DeskCli(tmp_path)
    missing = tmp_path / "nope.db"

    proc = desk.run("report", "eod", "--store", f"sqlite:///{missing}", check=False)

    assert proc.returncode == 2 and not missing.exists()


def test_report_when_the_month_is_malformed_then_exit_2_naming_the_format(
    sample: tuple[DeskCli, str, dict[str, Any]],
) -> None:
    desk, store, _ = sample

    proc = desk.run("report", "monthly", "--month", "Nov", "--store", store, check=False)

    assert proc.returncode == 2 and "YYYY-MM" in proc.stderr
