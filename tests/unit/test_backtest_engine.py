"""The backtest engine on hand-checked bars: fills, P&L, costs to the paisa, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import polars as pl

from adapters.files.strategy_book import parse_strategy_book
from domain.backtest.engine import BacktestConfig, Costs, FillAt, run_backtest
from domain.strategy.book import Strategy

START = datetime(2025, 1, 6, 10, tzinfo=UTC)


def _strategy(sizing: str = "{fixed_quantity: 10}") -> Strategy:
    book = parse_strategy_book(f"""
version: t-1
strategies:
  level:
    kind: bar
    direction: long
    when: ["close crosses_above 100"]
    exit_when: ["close crosses_below 100"]
    sizing: {sizing}
""")
    return book.strategies["level"]


def _bars(opens_closes: list[tuple[float, float]], symbol: str = "ABC") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "symbol": [symbol] * len(opens_closes),
            "ts": [START + timedelta(days=i) for i in range(len(opens_closes))],
            "open": [o for o, _ in opens_closes],
            "close": [c for _, c in opens_closes],
        }
    )


# close crosses above 100 on bars 1, 5 and 8; below on bars 3 and 7.
TWO_TRADES = [
    (99, 99),
    (100, 101),
    (102, 103),
    (100, 98),
    (97, 99),
    (104, 105),
    (106, 110),
    (108, 95),
    (112, 101),
    (100, 102),
]


def _free(fill: FillAt = FillAt.NEXT_OPEN, cash: str = "10000") -> BacktestConfig:
    return BacktestConfig(Decimal(cash), fill, Costs.NONE, tick_rounding=False)


def test_run_when_signals_fill_next_open_then_two_trades_and_open_position_marked() -> None:
    result = run_backtest(_bars(TWO_TRADES), [_strategy()], _free())

    fills = [(t.entry_bar, t.entry_price, t.exit_bar, t.exit_price, t.pnl) for t in result.trades]
    assert fills == [
        (2, Decimal("102"), 4, Decimal("97"), Decimal("-50.00")),
        (6, Decimal("106"), 8, Decimal("112"), Decimal("60.00")),
    ]
    [still_open] = result.open_positions
    assert (still_open.entry_price, still_open.mark) == (Decimal("100"), Decimal("102"))
    # 10000 - 50 + 60, then 10 bought at 100 and marked at the last close, 102
    assert result.final_equity == Decimal("10030.00")
    assert result.equity[-1] == 10030.0 and len(result.equity) == len(TWO_TRADES)


def test_run_when_fill_at_close_then_the_signal_bar_close_is_the_price() -> None:
    result = run_backtest(_bars(TWO_TRADES), [_strategy()], _free(FillAt.CLOSE))

    assert [(t.entry_price, t.exit_price) for t in result.trades] == [
        (Decimal("101"), Decimal("98")),
        (Decimal("105"), Decimal("95")),
    ]


def test_run_when_india_costs_then_both_legs_charged_to_the_paisa() -> None:
    bars = _bars([(99, 99), (1000, 1001), (1000, 1002), (1005, 99), (1010, 98)])
    config = BacktestConfig(Decimal(200_000), FillAt.NEXT_OPEN, Costs.INDIA, True)

    [trade] = run_backtest(bars, [_strategy("{fixed_quantity: 100}")], config).trades

    # buy 100 @ 1000: STT 100.00, stamp 15.00, exchange 2.97, SEBI 0.10, IPFT 0.10,
    # GST 0.55 = 118.72; sell 100 @ 1010: STT 101.00, exchange 3.00, SEBI 0.10,
    # IPFT 0.10, GST 0.56 = 104.76
    assert trade.costs == Decimal("223.48")
    assert trade.pnl == Decimal("1000.00") - Decimal("223.48")


def test_run_when_cash_cannot_pay_then_entry_refused_with_reason() -> None:
    result = run_backtest(_bars(TWO_TRADES), [_strategy()], _free(cash="500"))

    assert result.trades == [] and result.final_equity == Decimal("500.00")
    assert "more than cash 500" in result.refusals[0].reason


def test_run_when_pct_equity_sizing_then_whole_shares_of_that_share_of_equity() -> None:
    result = run_backtest(_bars(TWO_TRADES), [_strategy("{pct_equity: 50}")], _free())

    assert result.trades[0].quantity == 49  # 5000 / 102 rounded down


def test_run_when_two_symbols_then_one_position_each_and_one_curve_point_per_time() -> None:
    bars = pl.concat([_bars(TWO_TRADES, "ABC"), _bars(TWO_TRADES, "XYZ")]).sort("ts", "symbol")

    result = run_backtest(bars, [_strategy()], _free())

    assert len(result.trades) == 4 and {t.symbol for t in result.trades} == {"ABC", "XYZ"}
    assert len(result.equity) == len(TWO_TRADES)
    assert result.final_equity == Decimal("10060.00")
