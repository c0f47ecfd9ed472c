"""The ingest webhook over a real socket: signed bodies and ingest tokens, instrument links,
duplicates, conflicting re-sends, unknown instruments and size limits."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.files.instrument_master import parse_upstox
from api.signing import KEY_ENV, sign
from api.tokens import Role
from streams.bootstrap import bootstrap, wall_clock
from streams.instrument_master import load_file
from tests.served import INSTRUMENTS, ServedApi

KEY = "k" * 40
URL = "/api/v1/ingest/news"
TOKENS = {
    "wire": (Role.INGEST, "ingest-token-wire-0123456789"),
    "vic": (Role.VIEWER, "viewer-token-vic-0123456789"),
}


def item(**overrides: Any) -> dict[str, Any]:
    """An NSE buyback filing for INFY, as a source would send it."""
    fields: dict[str, Any] = {
        "kind": "announcement", "source": "NSE", "source_id": "seq-1001",
        "published_at": "2026-11-27T10:05:30+05:30",
        "headline": "Infosys Limited - Buyback: Board approves buyback of equity shares",
        "body": "The Board approved a buyback through the tender offer route.",
        "category": "Buyback", "symbols": ["INFY"],
    }
    return fields | overrides


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServedApi]:
    monkeypatch.setenv(KEY_ENV, KEY)
    desk = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}", INSTRUMENTS, clock=wall_clock)
    with ServedApi(desk, TOKENS) as api:
        yield api


def post_signed(api: ServedApi, items: list[dict[str, Any]], *, key: str = KEY,
                at: int | None = None, body: bytes | None = None) -> httpx.Response:
    """POST `items` signed with `key` at Unix time `at` (now by default)."""
    raw = body if body is not None else json.dumps({"items": items}).encode()
    at = int(time.time()) if at is None else at
    headers = {"Content-Type": "application/json", "X-Desk-Timestamp": str(at),
               "X-Desk-Signature": sign(key.encode(), at, raw)}
    with api.client() as client:
        return client.post(URL, content=raw, headers=headers)


def logged(api: ServedApi, event_type: str) -> list[dict[str, Any]]:
    with api.client("vic") as client:
        page = client.get("/api/v1/events", params={"type": event_type}).json()
    return [e["payload"] for e in page["events"]]


def test_ingest_when_a_signed_filing_arrives_then_it_is_logged_for_its_instrument(
    served: ServedApi,
) -> None:
    response = post_signed(served, [item()])

    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1
    [filing] = logged(served, "AnnouncementArrived")
    assert (filing["symbol"], filing["source_id"], filing["category"]) == (
        "INFY", "seq-1001", "Buyback")


def test_ingest_when_items_name_an_isin_or_an_alias_then_linked_to_the_symbol(
    served: ServedApi,
) -> None:
    response = post_signed(served, [
        item(kind="news", source="Wire", source_id="w-1", symbols=["Airtel"],
             headline="Airtel raises tariffs", category="company"),
        item(source_id="seq-2", symbols=[], isin="INE002A01018",
             headline="Reliance Industries - Dividend", category="Dividend"),
    ])

    assert response.json()["accepted"] == 2, response.text
    assert logged(served, "NewsArrived")[0]["symbols"] == ["BHARTIARTL"]
    assert logged(served, "AnnouncementArrived")[0]["symbol"] == "RELIANCE"


def test_ingest_when_the_same_item_is_sent_again_then_duplicate_and_logged_once(
    served: ServedApi,
) -> None:
    post_signed(served, [item()])

    again = post_signed(served, [item()], at=int(time.time()) - 1)
    other_wire = post_signed(served, [item(source="BSE", source_id="b-77")])

    assert [r["outcome"] for r in again.json()["results"]] == ["duplicate"]
    assert "same content as NSE item 'seq-1001'" in other_wire.json()["results"][0]["reason"]
    assert len(logged(served, "AnnouncementArrived")) == 1


def test_ingest_when_an_id_is_resent_with_other_content_then_rejected_with_the_reason(
    served: ServedApi,
) -> None:
    post_signed(served, [item()])

    response = post_signed(served, [item(headline="Infosys - Buyback withdrawn")])

    assert response.status_code == 422
    [result] = response.json()["results"]
    assert result["outcome"] == "rejected"
    assert "already received with different content" in result["reason"]
    [rejected] = logged(served, "InputRejected")
    assert "different content" in rejected["reason"]
    assert rejected["source"] == "webhook:signed-webhook"


def test_ingest_when_one_item_names_an_unknown_symbol_then_only_that_item_is_rejected(
    served: ServedApi,
) -> None:
    response = post_signed(served, [item(), item(source_id="seq-9", symbols=["NOSUCH"])])

    assert response.status_code == 200
    outcomes = [(r["outcome"], r["reason"]) for r in response.json()["results"]]
    assert outcomes == [("accepted", ""),
                        ("rejected", "unknown or ambiguous instrument(s): NOSUCH")]
    assert "NOSUCH" in logged(served, "InputRejected")[0]["reason"]


def test_ingest_when_an_item_lacks_a_field_then_rejected_naming_it(served: ServedApi) -> None:
    bad = item()
    del bad["published_at"]

    response = post_signed(served, [bad])

    assert response.json()["results"][0]["reason"] == "published_at: Field required"


@pytest.mark.parametrize(("how", "detail"), [
    ("wrong key", "signature does not match"),
    ("stale", "window"),
    ("tampered", "signature does not match"),
])
def test_ingest_when_the_signature_does_not_verify_then_401_and_nothing_logged(
    served: ServedApi, how: str, detail: str,
) -> None:
    raw = json.dumps({"items": [item()]}).encode()
    now = int(time.time())
    key, at, sent = {
        "wrong key": ("x" * 40, now, raw),
        "stale": (KEY, now - 3600, raw),
        "tampered": (KEY, now, raw.replace(b"seq-1001", b"seq-1002")),
    }[how]
    headers = {"Content-Type": "application/json", "X-Desk-Timestamp": str(at),
               "X-Desk-Signature": sign(key.encode(), at, raw)}

    with served.client() as client:
        response = client.post(URL, content=sent, headers=headers)

    assert response.status_code == 401
    assert detail in response.json()["detail"]
    assert KEY not in response.text
    assert logged(served, "AnnouncementArrived") == []


def test_ingest_when_a_signed_request_is_replayed_then_401(served: ServedApi) -> None:
    raw = json.dumps({"items": [item()]}).encode()
    at = int(time.time())
    headers = {"Content-Type": "application/json", "X-Desk-Timestamp": str(at),
               "X-Desk-Signature": sign(KEY.encode(), at, raw)}
    with served.client() as client:
        first = client.post(URL, content=raw, headers=headers)
        replay = client.post(URL, content=raw, headers=headers)

    assert first.status_code == 200
    assert replay.status_code == 401
    assert "replay" in replay.json()["detail"]


def test_ingest_when_sent_with_tokens_then_ingest_role_may_post_but_not_read(
    served: ServedApi,
) -> None:
    with served.client("wire") as wire, served.client("vic") as viewer:
        posted = wire.post(URL, json={"items": [item()]})
        read = wire.get("/api/v1/cards")
        viewer_post = viewer.post(URL, json={"items": [item(source_id="seq-5")]})

    assert posted.status_code == 200
    assert logged(served, "AnnouncementArrived")[0]["source"] == "NSE"
    assert read.status_code == 403
    assert viewer_post.status_code == 200  # roles include the ones below them


def test_ingest_when_no_token_nor_signature_then_401(served: ServedApi) -> None:
    with served.client() as client:
        response = client.post(URL, json={"items": [item()]})

    assert response.status_code == 401


def test_ingest_when_the_batch_is_too_big_then_refused_whole(served: ServedApi) -> None:
    too_many = post_signed(served, [item(source_id=f"s-{i}") for i in range(101)])
    too_large = post_signed(served, [item(body="x" * 19_000) for _ in range(4)])

    assert too_many.status_code == 422
    assert too_many.json()["field"] == "items"
    assert too_large.status_code == 413
    assert logged(served, "AnnouncementArrived") == []


def test_ingest_when_two_sources_reuse_a_source_id_then_each_item_is_tagged(
    served: ServedApi,
) -> None:
    response = post_signed(served, [
        item(),
        item(kind="news", source="Mumbai Wire", headline="Infosys shares rise on buyback",
             category="company"),
    ])

    assert response.json()["accepted"] == 2
    assert len(logged(served, "NewsTagged")) == 2


def test_ingest_when_the_master_lists_a_new_instrument_then_items_naming_it_are_linked(
    served: ServedApi,
) -> None:
    rows = [{"segment": "NSE_EQ", "name": "ETERNAL LIMITED", "trading_symbol": "ETERNAL",
             "instrument_key": "NSE_EQ|INE758T01015", "isin": "INE758T01015",
             "instrument_type": "EQ", "lot_size": 1, "tick_size": 1.0}]
    before = post_signed(served, [item(source_id="e-1", symbols=["INE758T01015"])])
    parsed = parse_upstox(json.dumps(rows).encode(), date(2026, 11, 27))
    load_file(served.desk.store, served.desk.runtime, parsed, date(2026, 11, 27), "test")

    after = post_signed(served, [item(source_id="e-2", symbols=["INE758T01015"],
                                      headline="Eternal Limited - Updates")])

    assert before.status_code == 422
    assert after.json()["accepted"] == 1, after.text
    assert logged(served, "AnnouncementArrived")[0]["symbol"] == "ETERNAL"
