"""The HTTP API over a real socket: every route, role boundary, refusal and command.

The store is seeded once per module with the sample accounts and the sample day up to
13:35 IST, fed without an approver: ten cards (buyback, momentum, results) have expired,
eleven were blocked (mandate, results blackout), and three BAJAJ-AUTO buyback cards (13:31,
expiring 13:51) wait for a human. Tests that only read share one server; tests that write
get their own copy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.endpoint import Route
from api.routes import ROUTES
from api.tokens import Role, TokenConfigError, Tokens, parse
from streams.bootstrap import bootstrap, wall_clock
from tests.served import INSTRUMENTS, WAITING, ServedApi, copy_store, seed_sample_day

V1 = "/api/v1"
TOKENS = {  # name: (role, token)
    "vic": (Role.VIEWER, "viewer-token-vic-0123456789"),
    "amy": (Role.APPROVER, "approver-token-amy-0123456789"),
    "ada": (Role.ADMIN, "admin-token-ada-0123456789"),
}
BY_ROLE = {role: name for name, (role, _) in TOKENS.items()}
EXPIRED = "card-sip-aggressive-buyback-INFY-20261120"
BLOCKED = "card-event-tactical-buyback-INFY-20261120"
SIP, TACTICAL, INCOME = WAITING
REASON = {"reason": "checked by hand"}
PATH_VALUES = {"account_id": "sip-aggressive", "card_id": SIP, "account": "sip-aggressive",
               "asset": "app.js",
               "session_id": "intake-no-such-session", "transfer_id": "transfer-none",
               "order_id": "order-none", "symbol": "TCS",
               "name": "card-review", "version": "1", "strategy": "momentum",
               "break_id": "break-none"}


# Fixtures: a seeded store, and servers on copies of it ------------------------------------
@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_sample_day(tmp_path_factory.mktemp("api-seed") / "desk.db")


class Served(ServedApi):
    """An embedded desk on a copy of the seeded store, and its API with this module's tokens."""

    def __init__(self, db: Path) -> None:
        super().__init__(bootstrap(f"sqlite:///{db}", INSTRUMENTS, clock=wall_clock), TOKENS)


@pytest.fixture(scope="module")
def shared(seeded: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with Served(copy_store(seeded, tmp_path_factory.mktemp("api-shared"))) as served:
        yield served


@pytest.fixture
def fresh(seeded: Path, tmp_path: Path) -> Iterator[Served]:
    with Served(copy_store(seeded, tmp_path)) as served:
        yield served


@pytest.fixture
def viewer(shared: Served) -> Iterator[httpx.Client]:
    with shared.client("vic") as client:
        yield client


def _url(route: Route) -> str:
    return route.path.format(**PATH_VALUES)


def _orders_for(client: httpx.Client, card_id: str) -> list[dict[str, Any]]:
    orders = client.get(f"{V1}/orders").json()["orders"]
    return [o for o in orders if o["card_id"] == card_id]


def _read_sse(response: httpx.Response, count: int) -> list[tuple[int, dict[str, Any]]]:
    """The first `count` events of an open SSE response, as (id, data)."""
    events: list[tuple[int, dict[str, Any]]] = []
    ident = None
    for line in response.iter_lines():
        if line.startswith("id: "):
            ident = int(line[4:])
        elif line.startswith("data: ") and ident is not None:
            events.append((ident, json.loads(line[6:])))
            if len(events) == count:
                break
    return events


# Service routes ---------------------------------------------------------------------------
def test_health_when_called_without_token_then_ok(shared: Served) -> None:
    with shared.client() as anonymous:
        response = anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_view_has_caught_up_then_200_with_no_lag(shared: Served) -> None:
    with shared.client() as anonymous:
        body = anonymous.get("/ready").json()
    assert body["status"] == "ready"
    assert body["log_head"] == body["view_position"] == shared.head()
    assert body["lag"] == 0


def test_metrics_when_requests_were_served_then_prometheus_text_has_counts_and_lag(
    viewer: httpx.Client,
) -> None:
    viewer.get(f"{V1}/cards")
    viewer.get(f"{V1}/cards/no-such-card")
    response = viewer.get("/metrics")
    text = response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "desk_log_head " in text and "desk_view_position " in text
    assert "desk_view_lag_events 0" in text
    assert "desk_api_sse_clients 0" in text
    assert 'desk_api_requests_total{route="/api/v1/cards",method="GET",status="200"}' in text
    assert ('desk_api_requests_total{route="/api/v1/cards/{card_id}",method="GET",'
            'status="404"}') in text
    assert ('desk_api_request_duration_seconds_bucket{route="/api/v1/cards",method="GET",'
            'le="+Inf"}') in text
    assert 'desk_api_request_duration_seconds_count{route="/api/v1/cards",method="GET"}' in text


def test_openapi_when_fetched_then_lists_exactly_the_registered_routes(shared: Served) -> None:
    with shared.client() as anonymous:
        spec = anonymous.get("/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    registered = {(r.method, r.resource.canonical) for r in shared.app.router.routes()
                  if r.resource is not None}
    assert documented == registered == {(r.method, r.path) for r in ROUTES}


def test_openapi_when_checked_then_refs_resolve_and_params_match_templates(
    shared: Served,
) -> None:
    with shared.client() as anonymous:
        spec = anonymous.get("/openapi.json").json()
    assert spec["openapi"] == "3.1.0"
    schemas = spec["components"]["schemas"]
    refs = {ref.rsplit("/", 1)[-1] for ref in _refs(spec)}
    assert refs <= set(schemas), refs - set(schemas)
    operation_ids = []
    for path, ops in spec["paths"].items():
        for op in ops.values():
            operation_ids.append(op["operationId"])
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == {s[1:-1] for s in path.split("/") if s.startswith("{")}
            assert "200" in op["responses"]
            if op["security"]:
                assert {"401", "403"} <= set(op["responses"])
    assert len(operation_ids) == len(set(operation_ids))


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_docs_when_fetched_then_a_self_contained_page_lists_every_route(
    shared: Served,
) -> None:
    with shared.client() as anonymous:
        response = anonymous.get("/docs")
    page = response.text
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<script" not in page and "http://" not in page and "https://" not in page
    for route in ROUTES:
        assert route.path in page, route.path


# Reads ------------------------------------------------------------------------------------
def test_accounts_when_listed_then_the_three_sample_accounts_with_mandates(
    viewer: httpx.Client,
) -> None:
    accounts = viewer.get(f"{V1}/accounts").json()["accounts"]
    assert [a["account_id"] for a in accounts] == [
        "event-tactical", "income-conservative", "sip-aggressive"]
    assert all(a["mandate_version"] == 1 and not a["halted"] for a in accounts)


def test_account_detail_when_fetched_then_mandate_history_and_cash_ledger(
    viewer: httpx.Client,
) -> None:
    body = viewer.get(f"{V1}/accounts/sip-aggressive").json()
    assert body["mandate"]["horizon"] == "SWING"
    assert [m["version"] for m in body["mandate_history"]] == [1]
    assert body["mandate_history"][0]["actor"] == "operator:setup"
    deposit = body["cash_ledger"][0]
    # A 5% buffer of the 10 lakh deposited is held back from what may be reserved.
    assert (deposit["type"], deposit["amount"], deposit["available"], deposit["buffer"]) == (
        "CashDeposited", "1000000.00", "950000.00", "50000.00")
    assert (body["cash"]["available"], body["cash"]["total"]) == ("950000.00", "1000000.00")


def test_cards_when_filtered_then_only_matching_cards(viewer: httpx.Client) -> None:
    def ids(**params: str) -> list[str]:
        return [c["card_id"] for c in viewer.get(f"{V1}/cards", params=params).json()["cards"]]

    assert ids()[:3] == sorted([SIP, TACTICAL, INCOME])  # waiting cards first
    assert len(ids()) == 24
    assert sorted(ids(status="PROPOSED")) == sorted([SIP, TACTICAL, INCOME])
    expired = ids(status="EXPIRED")
    assert len(expired) == 10 and EXPIRED in expired
    sip = ids(account="sip-aggressive")
    assert sip[0] == SIP and EXPIRED in sip and all("-sip-aggressive-" in c for c in sip)
    assert ids(account="sip-aggressive", status="PROPOSED") == [SIP]
    assert sorted(ids(strategy="buyback")) == sorted([SIP, TACTICAL, INCOME, EXPIRED])
    momentum = ids(strategy="momentum")  # blocked cards carry no strategy
    assert len(momentum) == 7 and all("-momentum-" in c for c in momentum)


def test_card_detail_when_fetched_then_thesis_evidence_guardrails_and_lineage(
    viewer: httpx.Client,
) -> None:
    body = viewer.get(f"{V1}/cards/{SIP}").json()
    assert body["card"]["status"] == "PROPOSED"
    assert "BAJAJ-AUTO" in body["thesis"] and body["sizing"].startswith("equity")
    assert "Kelly-lite" in body["sizing"] and "quality" in body["thesis"]
    assert body["expected_cost"] is not None
    assert {g["name"] for g in body["guardrails"]} == {
        "kill_switch", "position_size", "cash", "market_hours", "liquidity",
        "exposure_single_name", "exposure_sector", "event_window", "regime",
        "catalyst_freshness"}
    assert [e["type"] for e in body["evidence"]] == ["AnnouncementArrived"]
    lineage = [e["type"] for e in body["lineage"]]
    assert lineage[:4] == ["AnnouncementArrived", "NewsTagged", "SignalScored", "CardProposed"]
    assert [e["position"] for e in body["lineage"]] == sorted(
        e["position"] for e in body["lineage"])


def test_card_detail_when_card_was_blocked_by_the_mandate_then_says_so_and_unknowns_are_null(
    viewer: httpx.Client,
) -> None:
    body = viewer.get(f"{V1}/cards/{BLOCKED}").json()
    card = body["card"]
    assert card["status"] == "BLOCKED" and card["decided_by"] == "mandate"
    assert [card[k] for k in ("strategy", "side", "quantity", "reference_price", "stop",
                              "target", "expires_at")] == [None] * 7
    assert "Information Technology" in body["sizing"]
    assert body["thesis"] == "" and body["expected_cost"] is None


def test_books_when_nothing_traded_then_cash_is_deposits_and_desk_totals_add_up(
    viewer: httpx.Client,
) -> None:
    assert viewer.get(f"{V1}/orders").json() == {"orders": []}
    assert viewer.get(f"{V1}/positions").json() == {"positions": []}
    cash = viewer.get(f"{V1}/cash").json()["cash"]
    assert {c["account_id"]: c["total"] for c in cash} == {
        "event-tactical": "500000.00", "income-conservative": "2000000.00",
        "sip-aggressive": "1000000.00"}
    assert {c["account_id"]: (c["available"], c["buffer"]) for c in cash} == {
        "event-tactical": ("450000.00", "50000.00"),
        "income-conservative": ("1600000.00", "400000.00"),
        "sip-aggressive": ("950000.00", "50000.00")}
    risk = viewer.get(f"{V1}/risk").json()
    assert len(risk["accounts"]) == 3
    assert risk["desk"]["equity"] == "3500000.00"
    assert risk["desk"]["halted"] is False and risk["kill_switches"] == []


def test_events_when_paged_then_positions_follow_on_and_filters_apply(
    viewer: httpx.Client, shared: Served,
) -> None:
    first = viewer.get(f"{V1}/events", params={"limit": 3}).json()
    assert [e["position"] for e in first["events"]] == [1, 2, 3]
    assert first["next_after"] == 3 and first["head"] == shared.head()
    after = viewer.get(f"{V1}/events", params={"after": 3, "limit": 2}).json()
    assert [e["position"] for e in after["events"]] == [4, 5]
    proposed = viewer.get(f"{V1}/events", params={"type": "CardProposed", "limit": 500})
    proposed_ids = {e["stream_id"] for e in proposed.json()["events"]}
    assert len(proposed_ids) == 13 and {EXPIRED, SIP, TACTICAL, INCOME} <= proposed_ids
    stream = viewer.get(f"{V1}/events", params={"stream": SIP}).json()["events"]
    assert [e["type"] for e in stream] == ["CardProposed"]


def test_event_stream_when_resumed_with_last_event_id_then_starts_right_after_it(
    shared: Served,
) -> None:
    with shared.client("vic") as client, client.stream(
        "GET", f"{V1}/events/stream", headers={"Last-Event-ID": "10"}, timeout=5,
    ) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        events = _read_sse(response, 3)
    assert [i for i, _ in events] == [11, 12, 13]
    assert [d["position"] for _, d in events] == [11, 12, 13]


def test_event_stream_when_resumed_with_after_and_type_then_only_later_events_of_type(
    shared: Served,
) -> None:
    with shared.client("vic") as client, client.stream(
        "GET", f"{V1}/events/stream", params={"after": 0, "type": "CardProposed"}, timeout=5,
    ) as response:
        events = _read_sse(response, 4)
    assert all(d["type"] == "CardProposed" for _, d in events)
    positions = [d["position"] for _, d in events]
    assert positions == sorted(positions) and positions[0] > 0
    assert events[0][1]["stream_id"].endswith("momentum-AXISBANK-202611200952")


def test_event_stream_when_a_command_lands_then_the_live_client_receives_it(
    fresh: Served,
) -> None:
    head = fresh.head()
    with fresh.client("vic") as client, client.stream(
        "GET", f"{V1}/events/stream", timeout=5,
    ) as response, fresh.client("ada") as admin:
        assert admin.post(f"{V1}/kill-switches/event-tactical/trip", json=REASON).is_success
        events = _read_sse(response, 1)
    assert events[0][0] == head + 1
    assert events[0][1]["type"] == "KillSwitchTripped"
    assert events[0][1]["actor"] == "operator:ada"


# Roles ------------------------------------------------------------------------------------
PROTECTED = [r for r in ROUTES if r.role is not None]


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.path}")
def test_protected_route_when_no_or_bad_token_then_401_and_log_unchanged(
    shared: Served, route: Route,
) -> None:
    head = shared.head()
    for token in (None, "Bearer not-a-real-token-at-all", "Basic dmljOnB3", "Bearer"):
        with shared.client(token=token) as client:
            response = client.request(route.method, _url(route),
                                      json=REASON if route.body else None)
        assert response.status_code == 401, (token, response.text)
        assert response.json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert shared.head() == head


@pytest.mark.parametrize("route", [r for r in PROTECTED if r.role is not Role.VIEWER],
                         ids=lambda r: f"{r.method} {r.path}")
def test_command_route_when_role_too_low_then_403_and_log_unchanged(
    shared: Served, route: Route,
) -> None:
    head = shared.head()
    assert route.role is not None
    for role in [r for r in Role if r < route.role and r in BY_ROLE]:  # ingest: own tests
        with shared.client(BY_ROLE[role]) as client:
            response = client.request(route.method, _url(route), json=REASON)
        assert response.status_code == 403, (role, response.text)
        assert f"needs {route.role.label}" in response.json()["detail"]
    assert shared.head() == head


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.method == "GET" and r.media_type != "text/event-stream"],
    ids=lambda r: r.path)
def test_read_route_when_viewer_or_higher_then_200(shared: Served, route: Route) -> None:
    for name in TOKENS:
        with shared.client(name) as client:
            assert client.get(_url(route)).status_code == 200, (name, route.path)


def test_public_routes_when_no_token_then_200(shared: Served) -> None:
    with shared.client() as anonymous:
        for route in [r for r in ROUTES if r.role is None]:
            assert anonymous.get(_url(route)).status_code == 200, route.path


# Refusals: 4xx naming the field, nothing logged -------------------------------------------
def _post(served: Served, name: str, path: str, **kwargs: Any) -> httpx.Response:
    with served.client(name) as client:
        return client.post(path, **kwargs)


JSON_HEADERS = {"Content-Type": "application/json"}
BAD_BODIES = [
    ("malformed_json", b'{"reason": ', 400, "malformed_json", "body"),
    ("wrong_type", b'{"reason": 42}', 422, "invalid_body", "reason"),
    ("unknown_field", b'{"reason": "x", "urgent": true}', 422, "unknown_field", "urgent"),
    ("missing_field", b"{}", 422, "missing_field", "reason"),
    ("blank_reason", b'{"reason": "   "}', 422, "invalid_body", "reason"),
    ("not_an_object", b'["reason"]', 422, "invalid_body", "body"),
    ("empty_body", b"", 422, "invalid_body", "body"),
    ("too_long_reason", json.dumps({"reason": "x" * 2001}).encode(), 422, "invalid_body",
     "reason"),
    ("control_character", b'{"reason": "a\\u0000b"}', 422, "invalid_body", "reason"),
    ("nested_too_deep", b"[" * 30_000 + b"]" * 30_000, 400, "malformed_json", "body"),
    ("not_utf8", b'{"reason": "\xff\xfe"}', 400, "malformed_json", "body"),
]


@pytest.mark.parametrize("case", BAD_BODIES, ids=lambda c: c[0])
@pytest.mark.parametrize("target", [
    ("amy", f"{V1}/cards/{SIP}/reject"), ("ada", f"{V1}/kill-switches/sip-aggressive/trip"),
    ("ada", f"{V1}/desk/halt"),
], ids=["reject", "trip", "halt"])
def test_command_when_body_is_bad_then_4xx_naming_the_field_and_log_unchanged(
    shared: Served, target: tuple[str, str], case: tuple[str, bytes, int, str, str],
) -> None:
    _, raw, status, error, field = case
    head = shared.head()
    response = _post(shared, target[0], target[1], content=raw, headers=JSON_HEADERS)
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["error"], body["field"]) == (error, field)
    assert body["detail"]
    assert shared.head() == head


def test_command_when_body_over_64_kib_then_413_and_log_unchanged(shared: Served) -> None:
    head = shared.head()
    big = json.dumps({"reason": "x" * 70_000}).encode()
    sized = _post(shared, "ada", f"{V1}/desk/halt", content=big, headers=JSON_HEADERS)

    def chunks() -> Iterator[bytes]:
        yield from (big[i:i + 8192] for i in range(0, len(big), 8192))

    chunked = _post(shared, "ada", f"{V1}/desk/halt", content=chunks(), headers=JSON_HEADERS)
    for response in (sized, chunked):
        assert response.status_code == 413
        assert response.json()["error"] == "body_too_large"
        assert response.json()["field"] == "body"
    assert shared.head() == head


def test_command_when_content_type_is_not_json_then_415_and_log_unchanged(
    shared: Served,
) -> None:
    head = shared.head()
    response = _post(shared, "amy", f"{V1}/cards/{SIP}/reject", content=b"reason=no",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert response.json()["field"] == "Content-Type"
    assert shared.head() == head


@pytest.mark.parametrize(("who", "path", "field"), [
    ("amy", f"{V1}/cards/card-nope/approve", "card_id"),
    ("amy", f"{V1}/cards/card-nope/reject", "card_id"),
    ("ada", f"{V1}/kill-switches/no-such-account/trip", "account"),
    ("ada", f"{V1}/kill-switches/no-such-account/reset", "account"),
])
def test_command_when_id_is_unknown_then_404_naming_it_and_log_unchanged(
    shared: Served, who: str, path: str, field: str,
) -> None:
    head = shared.head()
    response = _post(shared, who, path, json=REASON)
    assert response.status_code == 404
    assert (response.json()["error"], response.json()["field"]) == ("not_found", field)
    assert shared.head() == head


@pytest.mark.parametrize(("path", "field"), [
    (f"{V1}/accounts/no-such-account", "account_id"),
    (f"{V1}/cards/card-nope", "card_id"),
    (f"{V1}/no-such-route", "path"),
])
def test_read_when_id_or_route_is_unknown_then_404_json(
    viewer: httpx.Client, path: str, field: str,
) -> None:
    response = viewer.get(path)
    assert response.status_code == 404
    assert response.json()["field"] == field


@pytest.mark.parametrize(("path", "params", "field"), [
    (f"{V1}/events", {"limit": "501"}, "limit"),
    (f"{V1}/events", {"limit": "0"}, "limit"),
    (f"{V1}/events", {"after": "-1"}, "after"),
    (f"{V1}/events", {"after": "soon"}, "after"),
    (f"{V1}/events", {"after": str(2**70)}, "after"),
    (f"{V1}/events/stream", {"after": str(2**70)}, "after"),
    (f"{V1}/events", {"type": "NoSuchEvent"}, "type"),
    (f"{V1}/events/stream", {"type": "NoSuchEvent"}, "type"),
    (f"{V1}/cards", {"status": "MAYBE"}, "status"),
    (f"{V1}/cards", {"colour": "red"}, "colour"),
    (f"{V1}/positions", {"open": "perhaps"}, "open"),
    (f"{V1}/accounts", {"page": "2"}, "page"),
])
def test_read_when_query_is_bad_then_400_naming_the_parameter(
    viewer: httpx.Client, path: str, params: dict[str, str], field: str,
) -> None:
    response = viewer.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


def test_read_when_parameter_repeated_then_400(viewer: httpx.Client) -> None:
    response = viewer.get(f"{V1}/cards?status=PROPOSED&status=EXPIRED")
    assert response.status_code == 400
    assert response.json()["field"] == "status"


@pytest.mark.parametrize("last_id", ["abc", "-1", "1.5", str(2**70)])
def test_event_stream_when_last_event_id_is_not_a_position_then_400(
    viewer: httpx.Client, last_id: str,
) -> None:
    response = viewer.get(f"{V1}/events/stream", headers={"Last-Event-ID": last_id})
    assert response.status_code == 400
    assert response.json()["field"] == "Last-Event-ID"


def test_route_when_method_not_allowed_then_405_json(shared: Served) -> None:
    with shared.client("ada") as client:
        response = client.delete(f"{V1}/cards")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


# Commands ---------------------------------------------------------------------------------
def test_approve_when_card_waits_then_order_placed_and_actor_is_the_operator(
    fresh: Served,
) -> None:
    with fresh.client("amy") as approver:
        response = approver.post(f"{V1}/cards/{SIP}/approve")
        assert response.status_code == 200, response.text
        decision = response.json()
        assert decision["card"]["status"] == "APPROVED"
        assert decision["card"]["decided_by"] == "operator:amy"
        assert decision["order"]["card_id"] == SIP
        orders = _orders_for(approver, SIP)
        approved = approver.get(f"{V1}/events", params={"type": "CardApproved"}).json()
    assert len(orders) == 1 and orders[0]["status"] == "WORKING"
    (event,) = approved["events"]
    assert event["actor"] == "operator:amy"
    assert event["payload"]["approved_by"] == "operator:amy"
    assert event["correlation_id"] == "ann-nse-ann-2026112017"  # the card's own chain


def test_approve_when_card_already_approved_then_409_and_still_one_order(
    fresh: Served,
) -> None:
    with fresh.client("amy") as approver:
        assert approver.post(f"{V1}/cards/{SIP}/approve").status_code == 200
        head = fresh.head()
        again = approver.post(f"{V1}/cards/{SIP}/approve")
        assert again.status_code == 409
        assert again.json()["error"] == "card_not_pending"
        assert "APPROVED" in again.json()["reason"]
        assert len(_orders_for(approver, SIP)) == 1
    assert fresh.head() == head


def test_approve_when_sent_five_times_at_once_then_one_succeeds_and_one_order(
    fresh: Served,
) -> None:
    def approve(_: int) -> int:
        with fresh.client("amy") as approver:
            return approver.post(f"{V1}/cards/{TACTICAL}/approve").status_code

    with ThreadPoolExecutor(5) as pool:
        statuses = sorted(pool.map(approve, range(5)))
    assert statuses == [200, 409, 409, 409, 409]
    with fresh.client("vic") as viewer:
        assert len(_orders_for(viewer, TACTICAL)) == 1


@pytest.mark.parametrize(("card_id", "words"), [
    (EXPIRED, "EXPIRED"), (BLOCKED, "blocked"),
])
def test_approve_when_card_expired_or_blocked_then_409_with_reason_and_no_order(
    fresh: Served, card_id: str, words: str,
) -> None:
    head = fresh.head()
    with fresh.client("amy") as approver:
        response = approver.post(f"{V1}/cards/{card_id}/approve")
        assert response.status_code == 409
        assert response.json()["error"] == "card_not_pending"
        assert words in response.json()["reason"]
        assert _orders_for(approver, card_id) == []
    assert fresh.head() == head


def test_reject_when_reason_given_then_card_rejected_and_approval_refused(
    fresh: Served,
) -> None:
    with fresh.client("amy") as approver:
        response = approver.post(f"{V1}/cards/{INCOME}/reject",
                                 json={"reason": "  results due tomorrow  "})
        assert response.status_code == 200
        assert response.json()["card"]["status"] == "REJECTED"
        assert response.json()["card"]["reason"] == "results due tomorrow"
        again = approver.post(f"{V1}/cards/{INCOME}/approve")
        rejected = approver.get(f"{V1}/events", params={"type": "CardRejected"}).json()
        assert _orders_for(approver, INCOME) == []
    assert again.status_code == 409 and "REJECTED" in again.json()["reason"]
    assert rejected["events"][0]["actor"] == "operator:amy"


def test_approve_when_account_kill_switch_tripped_then_409_naming_it_and_no_order(
    fresh: Served,
) -> None:
    with fresh.client("ada") as admin:
        tripped = admin.post(f"{V1}/kill-switches/sip-aggressive/trip",
                             json={"reason": "broker outage"})
    assert tripped.status_code == 200
    assert tripped.json() == {"kill_switch": {
        "scope": "sip-aggressive", "tripped": True, "reason": "broker outage",
        "since": "2026-11-20T13:35:00+05:30"}, "changed": True}
    with fresh.client("amy") as approver:
        response = approver.post(f"{V1}/cards/{SIP}/approve")
        assert response.status_code == 409
        assert response.json()["error"] == "guardrail_failed"
        assert "kill_switch" in response.json()["reason"]
        assert _orders_for(approver, SIP) == []
        # Other accounts still trade.
        assert approver.post(f"{V1}/cards/{TACTICAL}/approve").status_code == 200
        risk = approver.get(f"{V1}/risk").json()
    assert {a["account_id"]: a["halted"] for a in risk["accounts"]}["sip-aggressive"] is True


def test_kill_switch_when_tripped_twice_then_unchanged_and_reset_lets_cards_through(
    fresh: Served,
) -> None:
    with fresh.client("ada") as admin:
        admin.post(f"{V1}/kill-switches/sip-aggressive/trip", json=REASON)
        head = fresh.head()
        twice = admin.post(f"{V1}/kill-switches/sip-aggressive/trip", json=REASON)
        assert twice.json()["changed"] is False
        assert fresh.head() == head
        reset = admin.post(f"{V1}/kill-switches/sip-aggressive/reset",
                           json={"reason": "broker back"})
        assert reset.json()["kill_switch"]["tripped"] is False
        events = admin.get(f"{V1}/events", params={"stream": "risk-sip-aggressive"}).json()
        assert admin.post(f"{V1}/cards/{SIP}/approve").status_code == 200
    assert [(e["type"], e["actor"]) for e in events["events"]] == [
        ("KillSwitchTripped", "operator:ada"), ("KillSwitchReset", "operator:ada")]


def test_desk_halt_when_tripped_then_every_account_refused_until_resumed(
    fresh: Served,
) -> None:
    with fresh.client("ada") as admin:
        halted = admin.post(f"{V1}/desk/halt", json={"reason": "end of drill"}).json()
        assert halted["kill_switch"]["scope"] == "desk"
        refused = [admin.post(f"{V1}/cards/{c}/approve") for c in (SIP, TACTICAL)]
        risk = admin.get(f"{V1}/risk").json()
        resumed = admin.post(f"{V1}/desk/resume", json=REASON).json()
    assert all(r.status_code == 409 and "kill_switch" in r.json()["reason"] for r in refused)
    assert risk["desk"]["halted"] is True and risk["desk"]["accounts_halted"] == 3
    assert resumed["kill_switch"]["tripped"] is False and resumed["changed"] is True


# Tokens -----------------------------------------------------------------------------------
def test_tokens_when_served_then_never_printed_or_logged(
    fresh: Served, capfd: pytest.CaptureFixture[str],
) -> None:
    with fresh.client("ada") as admin:
        admin.post(f"{V1}/desk/halt", json=REASON)
        admin.get(f"{V1}/cards/card-nope")
    with fresh.client(token="Bearer wrong-token-but-long-enough") as stranger:
        stranger.get(f"{V1}/cards")
    out, err = capfd.readouterr()
    shown = out + err + repr(fresh.tokens)
    assert all(token not in shown for _, token in TOKENS.values())
    assert "wrong-token-but-long-enough" not in shown


@pytest.mark.parametrize(("spec", "complaint"), [
    ("vic:viewer:short", "shorter than 16"),
    ("vic:emperor:long-enough-token-123", "unknown role"),
    ("vic:viewer:long-enough-token-123,vic:admin:another-long-token-456", "given twice"),
    ("vic:viewer:long-enough-token-123,amy:admin:long-enough-token-123", "same as another"),
    ("vic-viewer-long-enough-token-123", "not name:role:token"),
])
def test_token_config_when_invalid_then_refused_without_echoing_the_token(
    spec: str, complaint: str,
) -> None:
    with pytest.raises(TokenConfigError) as refused:
        parse(spec)
    assert complaint in str(refused.value)
    assert "long-enough-token-123" not in str(refused.value)


def test_token_config_when_commented_file_format_then_roles_parsed() -> None:
    tokens = parse("# desk operators\nvic:viewer:viewer-token-0123456789\n"
                   "ada : ADMIN : admin-token-0123456789\n")
    assert isinstance(tokens, Tokens)
    assert [(o.name, o.role) for o in tokens.operators()] == [
        ("vic", Role.VIEWER), ("ada", Role.ADMIN)]
    assert tokens.verify("admin-token-0123456789").actor == "operator:ada"  # type: ignore[union-attr]
    assert tokens.verify("admin-token-0123456780") is None


# desk serve -------------------------------------------------------------------------------
def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_serve_when_demo_without_tokens_then_prints_three_and_cards_wait_for_a_human(
    tmp_path: Path,
) -> None:
    proc = _serve("--demo", "--pace", "0.01", "--store", f"sqlite:///{tmp_path / 'd.db'}",
                  env={k: v for k, v in os.environ.items()
                       if k != "DESK_API_TOKENS"})
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(6)]
        tokens = {ln.split()[0]: ln.split()[1] for ln in lines[1:4]}
        assert "shown only now" in lines[0] and set(tokens) == {"viewer", "approver", "admin"}
        url = lines[5].split()[1].rstrip("/")
        headers = {"Authorization": f"Bearer {tokens['viewer']}"}
        deadline = time.monotonic() + 30
        cards: list[dict[str, Any]] = []
        while time.monotonic() < deadline and len(cards) < 3:
            cards = [c for c in httpx.get(f"{url}{V1}/cards", headers=headers).json()["cards"]
                     if c["status"] != "BLOCKED"]
            time.sleep(0.1)
        approved = httpx.get(f"{url}{V1}/events", headers=headers,
                             params={"type": "CardApproved"}).json()
    finally:
        proc.terminate()
        proc.wait(15)
    assert len(cards) >= 3
    assert all(c["decided_by"] == "" for c in cards)  # nobody approved: they wait or expire
    assert approved["events"] == []
    assert proc.returncode == 0


def test_serve_when_no_tokens_outside_demo_then_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DESK_API_TOKENS"}
    proc = _serve("--store", f"sqlite:///{tmp_path / 'd.db'}", env=env)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "no API tokens" in err


# What the console reads -------------------------------------------------------------------
def test_me_when_called_with_each_token_then_name_role_and_actor(shared: Served) -> None:
    for name, (role, _) in TOKENS.items():
        with shared.client(name) as client:
            assert client.get(f"{V1}/me").json() == {
                "name": name, "role": role.label, "actor": f"operator:{name}"}


def test_equity_when_day_fed_then_a_point_per_minute_with_pnl_over_deposits(
    viewer: httpx.Client,
) -> None:
    curve = viewer.get(f"{V1}/accounts/sip-aggressive/equity").json()
    ledger = viewer.get(f"{V1}/accounts/sip-aggressive").json()["cash"]
    times = [p["at"] for p in curve["points"]]
    assert curve["account_id"] == "sip-aggressive"
    assert times == sorted(set(times)) and all(t.endswith(":00+05:30") for t in times)
    last = curve["points"][-1]
    assert last["equity"] == ledger["total"]  # nothing held: equity is cash
    assert float(last["pnl"]) == float(last["equity"]) - float(ledger["deposits"])
    assert viewer.get(f"{V1}/accounts/no-such/equity").status_code == 404


@pytest.mark.parametrize("asset", ["nope.js", "..%2Fapp.py", "index.html", "app.py"])
def test_console_asset_when_not_a_shipped_script_or_style_then_404(
    shared: Served, asset: str,
) -> None:
    with shared.client() as anonymous:
        response = anonymous.get(f"/console/{asset}")
    assert response.status_code == 404
    assert response.json()["field"] == "asset"


def test_console_when_fetched_then_page_loads_its_modules_from_the_api(shared: Served) -> None:
    with shared.client() as anonymous:
        page = anonymous.get("/")
        script = anonymous.get("/console/app.js")
    assert page.headers["Content-Type"].startswith("text/html")
    assert '<script type="module" src="/console/app.js">' in page.text
    assert script.headers["Content-Type"].startswith("text/javascript")
