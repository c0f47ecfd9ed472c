"""Parsing the brokers' candle answers and building their requests, against the documented
shapes (no socket)."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.feeds.candles import CandleError, CandleSource, candle_rows

UPSTOX_BODY = {"status": "success", "data": {"candles": [
    ["2026-11-20T09:16:00+05:30", 1532.1, 1533.0, 1531.5, 1532.8, 5200, 0],
    ["2026-11-20T09:15:00+05:30", 1530.0, 1532.4, 1529.9, 1532.1, 8100, 0]]}}


def test_candle_rows_when_upstox_sends_newest_first_then_rows_come_oldest_first() -> None:
    rows = candle_rows(UPSTOX_BODY, "INFY")

    assert rows == [["INFY", "2026-11-20T09:15:00+05:30", "1530.0", "1532.4", "1529.9",
                     "1532.1", "8100"],
                    ["INFY", "2026-11-20T09:16:00+05:30", "1532.1", "1533.0", "1531.5",
                     "1532.8", "5200"]]


def test_candle_rows_when_daily_then_the_ts_is_the_date() -> None:
    body = {"status": "success", "data": {"candles": [
        ["2026-11-20T00:00:00+0530", 1530, 1560, 1525, 1555, 910000]]}}

    assert candle_rows(body, "INFY", daily=True)[0][1] == "2026-11-20"


@pytest.mark.parametrize(("body", "reason"), [
    ({"status": "error", "errors": [{"errorCode": "UDAPI1021", "message": "bad key"}]},
     "bad key"),
    ({"status": "error", "message": "Too many requests", "error_type": "NetworkException"},
     "Too many requests"),
    ([1, 2], "unexpected answer"),
])
def test_candle_rows_when_the_answer_is_not_a_candle_list_then_the_reason_is_named(
    body: object, reason: str,
) -> None:
    with pytest.raises(CandleError, match=reason):
        candle_rows(body, "INFY")


def test_url_when_upstox_then_the_key_is_escaped_and_dates_run_to_then_from() -> None:
    source = CandleSource("upstox", "https://api.upstox.com", {}, {})

    url, params = source.url("NSE_EQ|INE009A01021", "5m", date(2026, 11, 2), date(2026, 11, 20))

    assert url == ("https://api.upstox.com/v3/historical-candle/NSE_EQ%7CINE009A01021/"
                   "minutes/5/2026-11-20/2026-11-02")
    assert params == {}


def test_url_when_kite_then_the_interval_is_named_and_the_range_is_whole_days() -> None:
    source = CandleSource("kite", "https://api.kite.trade", {}, {})

    url, params = source.url("408065", "1h", date(2026, 11, 20), date(2026, 11, 20))

    assert url == "https://api.kite.trade/instruments/historical/408065/60minute"
    assert params == {"from": "2026-11-20 00:00:00", "to": "2026-11-20 23:59:59"}
