"""The HTTP API over the Kafka runtime: no handler runs in the API process; the relay and
a faust worker's process managers react to what the operator commits through it.

The store is fed the sample day up to 13:35 IST without an approver (the same morning
`tests/served.py` seeds for the embedded API), so three BAJAJ-AUTO buyback cards wait.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.files.sample import SAMPLE_DIR
from api.tokens import Role
from streams.bootstrap import bootstrap, bootstrap_worker_views, wall_clock
from streams.feed import feed_day, sample_day
from streams.kafka.stack import KafkaStack, feed_stack, wait_for_process_managers
from streams.kafka.views import WorkerViews
from tests.served import INSTRUMENTS, WAITING, DeskServer, ServedApi, seed_sample_day

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

V1 = "/api/v1"
TOKENS = {"vic": (Role.VIEWER, "viewer-token-vic-0123456789"),
          "amy": (Role.APPROVER, "approver-token-amy-0123456789")}
DAY = sample_day(SAMPLE_DIR).day
SEEDED = DAY.replace(hour=13, minute=35)  # as tests/served.py seeds the embedded store
# The 13:35 bar fills the entry (its target is hit on the next bar, closing the position).
FILLED_BY = DAY.replace(hour=13, minute=36)
SIP = WAITING[0]


@pytest.fixture
def stack(postgres_url: str, kafka_broker: Any, tmp_path: Path) -> Iterator[KafkaStack]:
    """A relay and one worker with process managers and no approver, fed to 13:35."""
    stack = KafkaStack(postgres_url, kafka_broker.bootstrap, partitions=3, workers=1,
                       approver=None, namespace=f"t{uuid.uuid4().hex[:10]}",
                       log_dir=tmp_path / "logs")
    stack.start()
    try:
        feed_stack(stack, SAMPLE_DIR, "setup", wall_clock, until=SEEDED)
        yield stack
    finally:
        stack.stop()


def _eventually(read: Callable[[], Any], done: Callable[[Any], bool], what: str,
                seconds: float = 60) -> Any:
    """Poll `read` until `done` holds for what it returned; fail naming `what`."""
    deadline = time.monotonic() + seconds
    while True:
        got = read()
        if done(got):
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not seen within {seconds:.0f}s; last read: {got!r}")
        time.sleep(0.1)


def _feed_until(stack: KafkaStack, runtime: WorkerViews, until: datetime) -> None:
    """Append the sample day's facts up to `until`, each instant handled before the next."""
    feed_day(runtime, runtime.store, sample_day(SAMPLE_DIR), "operator:setup", wall_clock,
             settle=lambda: wait_for_process_managers(runtime.store,
                                                      check=stack.check_running),
             until=until)


def _cards(served: ServedApi) -> list[dict[str, Any]]:
    with served.client("vic") as viewer:
        response = viewer.get(f"{V1}/cards")
    assert response.status_code == 200
    cards: list[dict[str, Any]] = response.json()["cards"]
    return cards


def test_serve_when_runtime_is_kafka_then_cards_match_the_embedded_desk_and_an_approval_ends_in_a_position(  # noqa: E501
    stack: KafkaStack, tmp_path: Path
) -> None:
    embedded_db = seed_sample_day(tmp_path / "embedded.db")
    desk = bootstrap_worker_views(stack.store_url, INSTRUMENTS, wall_clock)
    embedded = bootstrap(f"sqlite:///{embedded_db}", INSTRUMENTS, clock=wall_clock)
    with ServedApi(desk, TOKENS) as kafka, ServedApi(embedded, TOKENS) as local:
        waiting = [c["card_id"] for c in _cards(kafka) if c["status"] == "PROPOSED"]
        assert sorted(waiting) == sorted(WAITING)
        assert _cards(kafka) == _cards(local)

        with kafka.client("amy") as approver:
            approved = approver.post(f"{V1}/cards/{SIP}/approve")
            assert approved.status_code == 200, approved.text
            assert approved.json()["card"]["status"] == "APPROVED"

            def orders() -> list[dict[str, Any]]:
                rows: list[dict[str, Any]] = approver.get(f"{V1}/orders").json()["orders"]
                return [o for o in rows if o["card_id"] == SIP]

            (order,) = _eventually(orders, bool, f"the order for {SIP}")
            _feed_until(stack, desk.runtime, FILLED_BY)  # the next bars fill the entry

            def positions() -> list[dict[str, Any]]:
                rows: list[dict[str, Any]] = approver.get(
                    f"{V1}/positions", params={"account": order["account_id"]}).json()[
                        "positions"]
                return [p for p in rows if p["symbol"] == "BAJAJ-AUTO" and p["quantity"]]

            (position,) = _eventually(positions, bool, "the BAJAJ-AUTO position")
            (filled,) = _eventually(orders, lambda rows: rows[0]["fills"], "the entry fill")
        assert position["quantity"] == order["quantity"] == filled["fills"][0]["quantity"]
        assert order["account_id"] == "sip-aggressive"


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_serve_when_kafka_demo_gets_sigterm_then_its_relay_and_worker_stop_too(
    kafka_broker: Any, tmp_path: Path
) -> None:
    server = DeskServer(tmp_path / "desk.db", {"vic": ("viewer", TOKENS["vic"][1])},
                        "--runtime", "kafka", "--demo", "--bootstrap", kafka_broker.bootstrap,
                        cwd=tmp_path)
    try:
        stack = _children(server.proc.pid)
        with httpx.Client(base_url=server.url, timeout=10,
                          headers={"Authorization": f"Bearer {TOKENS['vic'][1]}"}) as viewer:
            accounts = _eventually(lambda: viewer.get(f"{V1}/accounts").json()["accounts"],
                                   lambda rows: len(rows) == 3, "the sample accounts")
    finally:
        server.stop()

    assert len(stack) == 2, "a relay and one worker"
    assert {a["account_id"] for a in accounts} == {
        "sip-aggressive", "event-tactical", "income-conservative"}
    assert [pid for pid in stack if Path(f"/proc/{pid}").exists()] == [], "left running"
    assert "relay.stopped" in (tmp_path / ".desk" / "logs" / "relay.log").read_text()
