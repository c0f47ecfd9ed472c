"""Tradebook imports on the seeded sample desk: a trade the desk already filled is linked,
not doubled; a second import adds nothing; the API serves the year's report."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from adapters.files.sample import SAMPLE_DIR
from adapters.files.tradebooks import read_tradebook
from cli.imports import import_trades, tax_book
from domain.events import PositionClosed
from domain.session import ist
from domain.tax import Method, TaxTrade, financial_year
from streams.bootstrap import wall_clock
from streams.demo import run_demo
from tests.integration.test_api import V1, Served
from tests.served import copy_store

FY = financial_year("2026-27")  # the sample day is 20 Nov 2026
HEADER = ("symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,"
          "trade_id,order_id,order_execution_time\n")


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample day run with every card approved: the desk's own fills are in the log."""
    db = tmp_path_factory.mktemp("tax-day") / "desk.db"
    run_demo(f"sqlite:///{db}", SAMPLE_DIR, "demo", wall_clock).store.close()
    return db


@pytest.fixture
def store(day: Path, tmp_path: Path) -> DeskStore:
    return DeskStore(f"sqlite:///{copy_store(day, tmp_path)}")


@pytest.fixture
def fresh(day: Path, tmp_path: Path) -> Iterator[Served]:
    with Served(copy_store(day, tmp_path)) as served:
        yield served


def _a_fill(store: DeskStore) -> TaxTrade:
    book = tax_book(store)
    return next(t for trades in book.trades.values() for t in trades if t.key in book.fill_ids)


def _tradebook(path: Path, fill: TaxTrade) -> Path:
    """The broker's record of `fill`, and one trade the desk never made."""
    at = ist(fill.at)
    path.write_text(
        HEADER
        + f"{fill.symbol},,{at:%Y-%m-%d},NSE,EQ,EQ,{fill.side.value.lower()},false,"
          f"{fill.quantity}.000000,{fill.price:.6f},X1,O1,{at:%Y-%m-%dT%H:%M:%S}\n"
        + f"ITC,,{at:%Y-%m-%d},NSE,EQ,EQ,buy,false,10.000000,400.000000,X2,O2,"
          f"{at:%Y-%m-%dT10:00:00}\n")
    return path


def test_import_when_a_trade_is_the_desks_own_fill_then_linked_and_counted_once(
    store: DeskStore, tmp_path: Path
) -> None:
    fill = _a_fill(store)
    before = tax_book(store)
    book = read_tradebook(_tradebook(tmp_path / "tb.csv", fill), "zerodha", fill.account_id)

    done = import_trades(store, book.rows, fill.account_id, "operator:test", "import-test")

    after = tax_book(store)
    assert (done.new, done.linked) == (2, 1)
    assert fill.key in after.linked
    old, new = (b.report(fill.account_id, FY) for b in (before, after))
    assert (new.sales, new.intraday) == (old.sales, old.intraday)
    symbols = [t.symbol for t in after.trades[fill.account_id]]
    assert symbols.count("ITC") == 1
    assert symbols.count(fill.symbol) == [
        t.symbol for t in before.trades[fill.account_id]].count(fill.symbol)


def test_import_when_the_same_file_again_then_nothing_is_added(
    store: DeskStore, tmp_path: Path
) -> None:
    fill = _a_fill(store)
    book = read_tradebook(_tradebook(tmp_path / "tb.csv", fill), "zerodha", fill.account_id)
    import_trades(store, book.rows, fill.account_id, "operator:test", "import-test")
    head = store.head()

    again = import_trades(store, book.rows, fill.account_id, "operator:test", "import-test")

    assert (again.read, again.new, again.linked) == (2, 0, 0)
    assert store.head() == head


def test_tax_report_api_when_asked_for_a_year_then_gains_sales_and_method_label(
    fresh: Served
) -> None:
    fill = _a_fill(fresh.desk.store)

    with fresh.client("vic") as client:
        fifo = client.get(f"{V1}/accounts/{fill.account_id}/tax", params={"fy": "2026-27"})
        lifo = client.get(f"{V1}/accounts/{fill.account_id}/tax",
                          params={"fy": "2026-27", "method": "lifo"})
        bad = client.get(f"{V1}/accounts/{fill.account_id}/tax", params={"fy": "2026-28"})

    assert fifo.status_code == 200, fifo.text
    body = fifo.json()
    report = tax_book(fresh.desk.store).report(fill.account_id, FY, Method.FIFO)
    assert body["speculative_income"] == format(report.speculative_income, "f")
    assert {"short_term_gains", "long_term_gains", "long_term_exempt", "speculative_income",
            "sales"} <= set(body)
    assert body["legal_for_demat"] is True
    assert lifo.json()["legal_for_demat"] is False
    assert "analysis view only" in lifo.json()["method_label"]
    assert bad.status_code == 400 and "second year" in bad.text


def test_tax_report_when_the_desk_traded_intraday_then_speculative_income_is_its_realised_pnl(
    store: DeskStore
) -> None:
    realised: dict[str, Decimal] = {}
    for rec in store.read_all():
        p = rec.event.payload
        if isinstance(p, PositionClosed):
            realised[p.account_id] = realised.get(p.account_id, Decimal(0)) + p.realised_pnl
    book = tax_book(store)

    income = {a: book.report(a, FY).speculative_income for a in realised}

    assert len(realised) == 3
    assert income == realised
