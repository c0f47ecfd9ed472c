"""`desk backtest` as an operator runs it, and its report opened offline in Chromium."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from subprocess import CompletedProcess

from backtesting.test import GOOG
from playwright.sync_api import Browser

from adapters.files.sample import SAMPLE_DIR
from tests.e2e.conftest import DeskCli, open_offline
from tests.served import REPO

SMA_CROSS = REPO / "data" / "backtest" / "sma_cross.yaml"
SCREENSHOTS = REPO / "artifacts" / "screenshots"


def goog_csv(path: Path, bad_row: str = "") -> Path:
    """backtesting.py's GOOG series in the bars format `desk features` reads."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["symbol", "ts", "open", "high", "low", "close", "volume"])
        for ts, row in GOOG.iterrows():
            writer.writerow(
                ["GOOG", f"{ts:%Y-%m-%d}", row.Open, row.High, row.Low, row.Close, row.Volume]
            )
        if bad_row:
            handle.write(bad_row + "\n")
    return path


def run_goog(desk: DeskCli, bars: Path, out: Path, *extra: str) -> CompletedProcess[str]:
    """`desk backtest` of the SMA cross on GOOG as backtesting.py runs it."""
    return desk.run(
        "backtest",
        "--bars",
        str(bars),
        "--strategies",
        str(SMA_CROSS),
        "--cash",
        "10000",
        "--costs",
        "none",
        "--calendar",
        "none",
        "--out",
        str(out),
        *extra,
    )


def test_backtest_when_goog_sma_cross_then_peer_trades_final_equity_and_files(
    desk: DeskCli,
    tmp_path: Path,
) -> None:
    bars = goog_csv(tmp_path / "goog.csv", "GOOG,2013-03-02,abc,1,1,1,1")
    out = tmp_path / "run"

    proc = run_goog(desk, bars, out, "--json")

    report = json.loads(proc.stdout)
    # backtesting.py 0.6 on the same series and rules: 46 trades, 19477.70 at the end
    assert (report["trades"], report["final_equity"]) == (46, "19477.70")
    assert report["out"] == str(out) and report["metrics"]["max_drawdown_pct"] < 0
    assert "open is not a number: 'abc'" in proc.stderr
    with (out / "trades.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 46
    assert len((out / "equity.csv").read_text().splitlines()) == len(GOOG) + 1
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert {e["type"] for e in events} == {"EntryFilled", "ExitFilled"}
    assert json.loads((out / "metrics.json").read_text())["trades"] == 46


def test_backtest_when_strategy_exits_by_atr_bracket_then_refused_naming_the_field(
    desk: DeskCli,
    tmp_path: Path,
) -> None:
    strategies = tmp_path / "s.yaml"
    strategies.write_text(SMA_CROSS.read_text().replace("exit_when", "# exit_when"))

    proc = desk.run(
        "backtest",
        "--bars",
        str(goog_csv(tmp_path / "g.csv")),
        "--strategies",
        str(strategies),
        check=False,
    )

    assert proc.returncode == 2
    assert "strategies.sma_cross: missing score" in proc.stderr


def test_backtest_when_nse_minute_bars_with_india_costs_then_trades_pay_charges(
    desk: DeskCli,
    tmp_path: Path,
) -> None:
    fast = tmp_path / "fast.yaml"
    fast.write_text(SMA_CROSS.read_text().replace("sma_10", "sma_3").replace("sma_20", "sma_8"))

    report = desk.json(
        "backtest",
        "--bars",
        str(SAMPLE_DIR / "bars.csv"),
        "--strategies",
        str(fast),
        "--cash",
        "500000",
    )

    assert report["trades"] > 0 and report["out"] is None
    assert report["metrics"]["trades"] == report["trades"]


def test_report_when_opened_offline_in_chromium_then_charts_tables_and_pdf(
    desk: DeskCli,
    tmp_path: Path,
    browser: Browser,
) -> None:
    out = tmp_path / "run"
    run_goog(desk, goog_csv(tmp_path / "goog.csv"), out, "--pdf")

    page, outside = open_offline(browser, out / "report.html")

    page.locator(".bk-Canvas, canvas").first.wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Backtest report").is_visible()
    assert page.get_by_role("cell", name="Sharpe").is_visible()
    assert page.locator("table").nth(1).locator("tbody tr").count() == 46
    assert outside == []  # self-contained: nothing fetched from anywhere
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "backtest-report.png"), full_page=True)
