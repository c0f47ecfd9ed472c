"""compose.yaml's desk services run as native processes against a real Kafka broker and a
real PostgreSQL (there is no Docker engine here): the relay, a worker and the API with each
service's own command and environment from the file, only the addresses, ports and data
directories swapped for this machine's; then the demo feed's command feeds the sample day.
The workers decide (the feed starts none of its own), the API serves their cards, and
`desk replay verify` finds the workers' saved view equal to a rebuild from the log."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from adapters.eventstore.store import DeskStore
from adapters.kafka.admin import ensure_topics
from tests.unit.test_compose import argv, environment, load_compose, option

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.timeout(1800)]

FEED_TIMEOUT = 1500  # seconds: generous, for a shared machine; never a figure
VIEWER = "viewer-token-for-the-compose-test-0001"


def native(args: list[str], bootstrap: str, namespace: str, data: Path) -> list[str]:
    """A service's `desk` arguments on this machine: the broker and topics of this test, a
    data directory of its own, loopback and any free port for the API."""
    swaps = {"kafka:9092": bootstrap, "0.0.0.0": "127.0.0.1", "8000": "0"}
    out = [swaps.get(a, a) for a in args]
    if "--data-dir" in out:
        out[out.index("--data-dir") + 1] = str(data)
    if "--namespace" in out:
        out[out.index("--namespace") + 1] = namespace
    elif out[0] in ("relay", "worker"):  # on the file's default namespace, desk
        out += ["--namespace", namespace]
    return [sys.executable, "-m", "cli", *out]


def service_env(svc: dict[str, Any], store: str, bootstrap: str) -> dict[str, str]:
    """The service's environment with this test's store, broker and API token."""
    env = {**os.environ, **environment(svc)}
    assert env["DESK_STORE"].startswith("postgresql://desk:desk@postgres:5432/")
    env["DESK_STORE"] = store
    env["KAFKA_BOOTSTRAP"] = bootstrap
    if "DESK_API_TOKENS" in environment(svc):
        env["DESK_API_TOKENS"] = f"viewer:viewer:{VIEWER}"
    return env


@pytest.fixture
def stack(postgres_url: str, kafka_broker: Any, tmp_path: Path
          ) -> Iterator[tuple[dict[str, dict[str, Any]], str, str]]:
    """compose.yaml's relay, worker and api running; (services, API URL, namespace)."""
    services = load_compose()["services"]
    bootstrap, namespace = kafka_broker.bootstrap, f"c{uuid.uuid4().hex[:10]}"
    partitions = int(option(argv(services["relay"]), "--partitions") or 1)
    asyncio.run(ensure_topics(bootstrap, partitions, namespace=namespace))  # the topics job
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[IO[bytes]] = []
    try:
        for name in ("relay", "worker", "api"):
            svc = services[name]
            log = (tmp_path / f"{name}.log").open("wb")
            logs.append(log)
            procs.append(subprocess.Popen(
                native(argv(svc), bootstrap, namespace, tmp_path / f"{name}-data"),
                env=service_env(svc, postgres_url, bootstrap),
                stdout=subprocess.PIPE if name == "api" else log, stderr=log,
            ))
        api = procs[-1]
        assert api.stdout is not None
        while line := api.stdout.readline().decode():
            if line.startswith("serving "):
                break
        else:
            pytest.fail(f"the api service exited; see {tmp_path / 'api.log'}")
        yield services, line.split()[1].rstrip("/"), namespace
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()


def test_compose_when_its_services_run_natively_then_the_workers_decide_the_demo_day_and_the_api_serves_it(  # noqa: E501
    stack: tuple[dict[str, dict[str, Any]], str, str], postgres_url: str, kafka_broker: Any,
    tmp_path: Path,
) -> None:
    services, url, namespace = stack
    feed = services["demo-feed"]
    fed = subprocess.run(
        [*native(argv(feed), kafka_broker.bootstrap, namespace, tmp_path), "--json"],
        env=service_env(feed, postgres_url, kafka_broker.bootstrap),
        capture_output=True, text=True, timeout=FEED_TIMEOUT,
    )
    assert fed.returncode == 0, fed.stderr[-3000:]
    day = json.loads(fed.stdout)

    store = DeskStore(postgres_url)
    decided = {r.event.stream_id for r in store.read_all(types=("CardProposed",))}
    assert decided  # the sample day's buyback and momentum cards, decided by the worker
    with httpx.Client(base_url=url, timeout=60,
                      headers={"Authorization": f"Bearer {VIEWER}"}) as http:
        served = http.get("/api/v1/cards").raise_for_status().json()["cards"]
    assert decided <= {c["card_id"] for c in served}
    # No approver on the workers: every proposed card waits for an operator (or expired).
    assert {c["status"] for c in served} <= {"PROPOSED", "EXPIRED", "BLOCKED"}
    assert sum(a["cards_proposed"] for a in day["accounts"].values()) == len(decided)

    verified = subprocess.run(
        [sys.executable, "-m", "cli", "replay", "verify", "--json"],
        env={**os.environ, "DESK_STORE": postgres_url}, capture_output=True, text=True,
        timeout=FEED_TIMEOUT,
    )
    verdict = json.loads(verified.stdout)
    assert verified.returncode == 0, verdict["problems"]
    assert verdict["compared_at"] == store.head()
