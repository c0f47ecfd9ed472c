"""`desk backtest --engine desk`: the sample day's INFY and Dr. Reddy's buybacks replayed
through the desk's own pipeline (news in, playbook signal, card, approval, paper bracket,
folds), checked by hand to the paisa, with approvals off, and replayed by `desk replay`."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.eventstore.store import DeskStore
from adapters.files.bar_files import parse_interval, read_bar_file
from adapters.files.sample import SAMPLE_DIR, load_accounts, load_instruments, read_news
from adapters.files.strategy_book import default_book
from cli.main import main
from domain.costs import Product, fill_costs
from domain.events import AnnouncementArrived, CardProposed, NewsArrived
from domain.values import Side
from replay.backtest_desk import parse_approvals, run_desk

SYMBOLS = ("INFY", "DRREDDY")
DAY = date(2026, 11, 20)
START = Decimal("1000000.00")  # the sample's sip-aggressive deposit


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample day cut to two symbols: their bars, their news, one account."""
    folder = tmp_path_factory.mktemp("btdesk")
    lines = (SAMPLE_DIR / "bars.csv").read_text().splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] in SYMBOLS]
    (folder / "bars.csv").write_text("\n".join(kept) + "\n")
    news = [
        line
        for line in (SAMPLE_DIR / "news.jsonl").read_text().splitlines()
        if set(json.loads(line).get("symbols") or ()) & set(SYMBOLS)
    ]
    (folder / "news.jsonl").write_text("\n".join(news) + "\n")
    accounts = json.loads((SAMPLE_DIR / "accounts.json").read_text())
    (folder / "accounts.json").write_text(
        json.dumps([a for a in accounts if a["account_id"] == "sip-aggressive"])
    )
    return folder


@pytest.fixture(scope="module")
def approved_run(inputs: Path) -> dict[str, Any]:
    """`desk backtest --engine desk --approve all --out DIR --json` on the two symbols."""
    out = inputs / "run"
    argv = [
        "backtest",
        "--engine",
        "desk",
        "--bars",
        str(inputs / "bars.csv"),
        "--news",
        str(inputs / "news.jsonl"),
        "--accounts",
        str(inputs / "accounts.json"),
        "--strategies",
        "data/playbooks/strategies.yaml",
        "--approve",
        "all",
        "--out",
        str(out),
        "--json",
    ]
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(argv)
    assert code == 0
    return {"out": out, "json": json.loads(buffer.getvalue())}


def test_backtest_when_two_buybacks_trade_through_the_desk_then_cash_moves_by_pnl_less_charges(
    approved_run: dict[str, Any],
) -> None:
    out: Path = approved_run["out"]
    with (out / "trades.csv").open() as f:
        trades = list(csv.DictReader(f))
    assert [(t["strategy"], t["symbol"]) for t in trades] == [
        ("buyback", "INFY"),
        ("buyback", "DRREDDY"),
    ]
    moved = Decimal(0)
    for t in trades:
        quantity = int(t["quantity"])
        entry, exit_ = Decimal(t["entry_price"]), Decimal(t["exit_price"])
        # Charges worked out apart from the desk: both legs, delivery, on the fill prices.
        charges = (
            fill_costs(Side.BUY, quantity, entry, Product.DELIVERY, DAY).total
            + fill_costs(Side.SELL, quantity, exit_, Product.DELIVERY, DAY).total
        )
        assert Decimal(t["costs"]) == charges
        assert Decimal(t["pnl"]) == (exit_ - entry) * quantity - charges
        moved += (exit_ - entry) * quantity - charges
    # INFY: 161 x (1571.60 - 1553.20) - 559.33; DRREDDY: 196 x (1266.30 - 1276.50) - 554.46
    assert moved == Decimal("2403.07") + Decimal("-2553.66")
    assert Decimal(approved_run["json"]["final_equity"]) == START + moved == Decimal("999849.41")
    assert approved_run["json"]["trades"] == 2


def test_backtest_when_a_filing_is_fed_then_its_card_names_the_news_event_as_evidence(
    approved_run: dict[str, Any],
) -> None:
    store = DeskStore(f"sqlite:///{approved_run['out'] / 'desk.db'}")
    events = [rec.event for rec in store.read_all()]
    items = {e.event_id for e in events if isinstance(e.payload, NewsArrived | AnnouncementArrived)}
    cards = [
        e.payload
        for e in events
        if isinstance(e.payload, CardProposed) and e.payload.strategy == "buyback"
    ]
    assert {c.symbol for c in cards} == {"INFY", "DRREDDY"}
    assert all(set(c.evidence) & items for c in cards)
    assert approved_run["json"]["cards"]["APPROVED"] == 2


def test_backtest_when_the_run_is_replayed_then_desk_replay_verify_passes(
    approved_run: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["replay", "verify", "--store", f"sqlite:///{approved_run['out'] / 'desk.db'}"])
    assert code == 0, capsys.readouterr().out


def test_backtest_when_approvals_are_none_then_no_trade_and_cards_end_unapproved(
    inputs: Path,
) -> None:
    facts = [
        f for _, f in read_bar_file(inputs / "bars.csv", parse_interval("1m"), _first_minute())
    ]
    facts += list(read_news(inputs / "news.jsonl", _first_minute()))
    run = run_desk(
        facts,
        default_book(),
        load_instruments(SAMPLE_DIR / "instruments.csv"),
        load_accounts(inputs / "accounts.json"),
        parse_approvals("none"),
    )
    assert run.run.result.trades == []
    assert run.run.result.final_equity == START
    assert "APPROVED" not in run.cards and run.cards.get("EXPIRED", 0) >= 2
    assert any("expired unapproved" in r.reason for r in run.run.result.refusals)


def test_parse_approvals_when_rules_are_given_then_an_auto_policy_with_those_limits() -> None:
    approvals = parse_approvals("max_notional=200000,strategies=buyback")
    assert approvals.approver is None
    assert approvals.policy.max_notional == Decimal(200000)
    assert approvals.policy.strategies == ("buyback",)
    with pytest.raises(ValueError, match="unknown policy setting"):
        parse_approvals("maximum=3")


def _first_minute() -> datetime:
    return datetime(2026, 11, 20, 3, 45, tzinfo=UTC)
