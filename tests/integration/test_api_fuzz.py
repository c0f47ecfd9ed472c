"""Property-based tests of the running API from its own OpenAPI document (schemathesis).

A real `desk serve` on the seeded sample store, called over HTTP with an admin token
(so every route is reachable) for every operation but the endless SSE stream: whatever
the generated request, the API must answer it, never fail with a 5xx.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.served import DeskServer, seed_sample_day

ADMIN_TOKEN = "admin-token-fuzz-0123456789"
MAX_EXAMPLES = 50  # per operation: ~25 operations in well under a minute on 2 cores


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskServer]:
    db = seed_sample_day(tmp_path_factory.mktemp("fuzz") / "desk.db")
    server = DeskServer(db, {"fuzz": ("admin", ADMIN_TOKEN)})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api_schema(served: DeskServer) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(f"{served.url}/openapi.json")
    return schema.exclude(operation_id="streamEvents")


def test_openapi_document_when_served_then_valid_against_the_openapi_31_schema(
    api_schema: schemathesis.BaseSchema,
) -> None:
    api_schema.validate()  # raises naming the first violation
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    assert "/api/v1/events/stream" not in {op.path for op in operations}


# The pytest loader (`schemathesis.pytest.from_fixture`) fails under pytest 9.2 (it reads
# `request.node._nodeid`), so each operation gets a plain hypothesis test, as a subtest.
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def _never_a_server_error(case: schemathesis.Case, url: str) -> None:
    case.call_and_validate(base_url=url, checks=[not_a_server_error],
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})


def test_api_when_fuzzed_with_admin_token_then_never_a_server_error(
    api_schema: schemathesis.BaseSchema, served: DeskServer, subtests: pytest.Subtests,
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        with subtests.test(operation=operation.label):
            given(case=operation.as_strategy())(_never_a_server_error)(url=served.url)

    counted = _requests_by_status(served)
    assert sum(counted.values()) > len(operations)  # the requests really reached the API
    assert not {status for status in counted if status.startswith("5")}


def _requests_by_status(served: DeskServer) -> Counter[str]:
    metrics = httpx.get(f"{served.url}/metrics",
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).text
    counted: Counter[str] = Counter()
    for line in metrics.splitlines():
        if found := re.match(r'desk_api_requests_total{.*status="(\d+)"} (\d+)', line):
            counted[found[1]] += int(found[2])
    return counted
