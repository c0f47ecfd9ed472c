"""Hypothesis over bar and news lines, fed through ingestion as `desk demo` feeds a file:
NaN, 1e30, unicode controls, duplicates, reordering and far-future dates never crash the
desk, never vanish (each line is logged, folded into an identical one, or rejected with a
reason) and never move the desk clock past the wall clock."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.eventstore.store import DeskStore
from adapters.files.sample import read_bars, read_news
from domain.events import InputRejected
from streams.embedded import EmbeddedRuntime
from streams.input_gate import InputGate, wall_now

SYMBOLS = ("INFY", "TCS")
DAY = datetime(2026, 11, 20, 3, 45, tzinfo=UTC)

prices = st.sampled_from(["1500.00", "1502.5", "NaN", "Infinity", "1e30", "-3", "0", "abc",
                          "1,500", "\uff11\uff15\uff10\uff10", "1499.95"])  # fullwidth digits
times = st.one_of(
    st.integers(0, 5).map(lambda m: (DAY + timedelta(minutes=m)).isoformat()),
    st.sampled_from(["2030-01-01T09:15:00+05:30", "2026-11-20T09:15:00", "9999-12-31T00:00Z",
                     "", "2026-11-20T09:1\u202e5:00+05:30"]))
symbols = st.sampled_from([*SYMBOLS, "ZZZZ", "infy", "IN\u0000FY", ""])
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@st.composite
def bar_lines(draw: st.DrawFn) -> str:
    o, h, low, c = (draw(prices) for _ in range(4))
    return ",".join([draw(symbols), draw(times), o, h, low, c, draw(st.sampled_from(
        ["100", "1e3", "-1", "2.5", "x"]))])


@st.composite
def news_lines(draw: st.DrawFn) -> str:
    item = {"source_id": draw(st.sampled_from(["n-1", "n-2", ""])), "kind": draw(
        st.sampled_from(["news", "announcement", "tweet"])), "source": "Wire",
        "published_at": draw(times), "headline": draw(texts), "body": draw(texts),
        "symbols": draw(st.lists(symbols, max_size=2)), "category": "results"}
    return draw(st.sampled_from([json.dumps(item), json.dumps(item)[:-3], "[]", "null"]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(bars=st.lists(bar_lines(), max_size=8), news=st.lists(news_lines(), max_size=6),
       data=st.data())
def test_ingest_when_lines_are_garbage_repeated_or_reordered_then_logged_or_rejected(
    bars: list[str], news: list[str], data: st.DataObject,
) -> None:
    bars = bars + data.draw(st.lists(st.sampled_from(bars), max_size=3)) if bars else bars
    bars = data.draw(st.permutations(bars))
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "bars.csv").write_text(
            "symbol,ts,open,high,low,close,volume\n" + "\n".join(bars) + "\n")
        (directory / "news.jsonl").write_text("\n".join(news) + "\n")
        store = DeskStore(f"sqlite:///{directory / 'desk.db'}")
        runtime = EmbeddedRuntime(store, {}, wall_now, gate=InputGate(symbols=SYMBOLS))
        facts = [*read_bars(directory / "bars.csv", DAY),
                 *read_news(directory / "news.jsonl", DAY)]

        for fact in facts:  # one instant at a time, in file order (reordering included)
            runtime.ingest([fact])
        runtime.ingest(facts)  # and all of them again, as one instant

        log = list(store.read_all())
        logged = {(r.event.stream_id, r.event.stream_version) for r in log}
        refused = [r.event.payload.raw for r in log if isinstance(r.event.payload, InputRejected)]
        for fact in facts:
            assert (fact.stream_id, fact.version) in logged or any(
                raw.startswith(f"{fact.stream_id} v{fact.version} ") for raw in refused), fact
        as_of = runtime.view.as_of
        assert as_of is None or as_of <= datetime.now(UTC) + timedelta(minutes=5)
        store.close()
