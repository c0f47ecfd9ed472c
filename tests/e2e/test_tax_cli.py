"""`desk import tradebook`, `desk import actions` and `desk tax report` as an operator runs
them on the sample tradebooks (data/sample/tradebooks)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import DeskCli

BOOKS = Path(__file__).resolve().parents[2] / "data" / "sample" / "tradebooks"


def _imported(desk: DeskCli, tmp_path: Path) -> str:
    store = f"sqlite:///{tmp_path / 'desk.db'}"
    desk.run("import", "tradebook", str(BOOKS / "zerodha-tradebook.csv"), "--broker",
             "zerodha", "--account", "asha", "--store", store)
    desk.run("import", "actions", str(BOOKS / "corporate-actions.csv"), "--store", store)
    return store


def test_import_when_tradebook_has_bad_rows_then_they_are_named_and_the_rest_go_in(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'desk.db'}"
    args = ("import", "tradebook", str(BOOKS / "zerodha-tradebook.csv"), "--broker", "zerodha",
            "--account", "asha", "--store", store)

    first = desk.run(*args)
    again = json.loads(desk.run(*args, "--json").stdout)

    assert "7 trade(s) read for asha: 7 new" in first.stdout
    assert "zerodha-tradebook.csv:9: skipped: segment FO" in first.stderr
    assert "zerodha-tradebook.csv:10: skipped: quantity is not a number: 'ten'" in first.stderr
    assert (again["new"], again["already_imported"], len(again["bad_rows"])) == (0, 7, 2)


def test_import_when_file_is_not_the_brokers_then_exit_2_and_nothing_stored(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'desk.db'}"

    wrong = desk.run("import", "tradebook", str(BOOKS / "zerodha-tradebook.csv"), "--broker",
                     "upstox", "--account", "asha", "--store", store, check=False)
    events = desk.run("replay", "events", "--store", store, check=False)

    assert wrong.returncode == 2 and "it looks like a zerodha file" in wrong.stderr
    # Refused before the store was opened: there is no store to read (exit 2), or, where
    # one exists, no trade in it.
    assert (events.returncode == 2 and not (tmp_path / "desk.db").exists()) or (
        events.returncode == 0 and "TradeImported" not in events.stdout)


def test_tax_report_when_imported_then_json_gives_gains_exemption_and_each_sales_lots(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _imported(desk, tmp_path)

    report = desk.json("tax", "report", "--fy", "2025-26", "--account", "asha", "--fmv",
                       str(BOOKS / "fmv-2018-example.csv"), "--store", store)

    assert (report["short_term_gains"], report["long_term_gains"]) == ("-1452.50", "192400.00")
    assert (report["long_term_exempt"], report["long_term_taxable"]) == (
        "125000.00", "67400.00")
    assert report["speculative_income"] == "100.00"
    hdfc = next(s for s in report["sales"] if s["symbol"] == "HDFCBANK")
    (lot,) = hdfc["lots"]
    # 100 bought in 2017, split 2:1 in 2019; FMV 1990 a share then is 995 a share now.
    assert (lot["quantity"], lot["acquired"], lot["cost_basis"], lot["grandfathered"]) == (
        200, "2017-06-01", "199000.00", True)
    assert [x["term"] for x in next(s for s in report["sales"] if s["symbol"] == "INFY")[
        "lots"]] == ["long", "short"]


def test_tax_report_when_lifo_then_labelled_analysis_only_and_figures_differ(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _imported(desk, tmp_path)

    text = desk.run("tax", "report", "--fy", "2025-26", "--account", "asha", "--method",
                    "lifo", "--store", store).stdout
    fifo = desk.run("tax", "report", "--fy", "2025-26", "--account", "asha",
                    "--store", store).stdout

    assert "LIFO (analysis view only: not permitted for Indian demat holdings)" in text
    assert "FIFO (the method s.45(2A) requires for demat holdings)" in fifo
    assert "short-term gains:   -₹4,357.50" in text  # 15 INFY from the Sep 2024 lot


def test_tax_report_when_year_malformed_then_exit_2_with_the_reason(
    desk: DeskCli, tmp_path: Path
) -> None:
    bad = desk.run("tax", "report", "--fy", "2025", "--account", "asha", "--store",
                   f"sqlite:///{tmp_path / 'desk.db'}", check=False)

    assert bad.returncode == 2 and "is not like 2025-26" in bad.stderr
