"""The RSS/Atom and NSE pollers against a local news site: new, repeated and changed items,
unchanged documents (304), NSE's cookie warm-up, and documents that cannot be read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from adapters.news.poller import NsePoller, RssPoller
from devtools.news_site import ATOM_PATH, RSS_PATH, NewsSite, atom_document, rss_document, start
from streams.bootstrap import Desk, bootstrap, wall_clock
from streams.news_intake import NewsIntake, news_intake
from streams.news_pollers import SourceState, poll_once
from streams.ports import NewsSource
from tests.served import INSTRUMENTS

T = TypeVar("T")
STORY = {"guid": "lw-1", "title": "Infosys board to consider buyback on Friday",
         "description": "<p>Infosys said its <b>board</b> will meet to consider a buyback.</p>",
         "pubDate": "Fri, 27 Nov 2026 04:30:00 GMT", "category": "company"}
FILING = {"symbol": "INFY", "desc": "Buyback", "an_dt": "27-Nov-2026 10:05:30",
          "sort_date": "2026-11-27 10:05:30",
          "attchmntFile": "https://nsearchives.nseindia.com/corporate/INFY_27112026.pdf",
          "attchmntText": "Infosys Limited has informed the Exchange that the Board approved "
                          "a buyback of equity shares through the tender offer route.",
          "sm_name": "Infosys Limited", "sm_isin": "INE009A01021", "seq_id": "104711",
          "smIndustry": "Computers - Software"}


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    desk = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}", INSTRUMENTS, clock=wall_clock)
    yield desk
    desk.store.close()


async def direct(fn: Callable[[], T]) -> T:
    """Writes straight through: the test is the only writer."""
    return fn()


def payloads(desk: Desk, event_type: str) -> list[dict[str, Any]]:
    return [json.loads(r.event.model_dump_json())["payload"]
            for r in desk.store.read_all(types=(event_type,))]


def run_polls(site: NewsSite, make: Callable[[str], NewsSource], intake: NewsIntake,
              rounds: list[Callable[[NewsSite], None]]) -> dict[str, SourceState]:
    """Serve `site`, and poll once after each round's change to it."""
    states: dict[str, SourceState] = {}

    async def main() -> None:
        served, runner = await start(site)
        source = make(served.base_url)
        try:
            for change in rounds:
                change(site)
                await poll_once([source], intake, direct, wall_clock, states)
        finally:
            await source.close()
            await runner.cleanup()

    asyncio.run(asyncio.wait_for(main(), 60))
    return states


def serve_rss(*entries: dict[str, str]) -> Callable[[NewsSite], None]:
    def change(site: NewsSite) -> None:
        site.rss = rss_document(list(entries))
    return change


def rss(url: str) -> NewsSource:
    return RssPoller(url + RSS_PATH, "Local Wire")


def test_rss_when_a_new_story_then_news_logged_with_plain_text(desk: Desk) -> None:
    states = run_polls(NewsSite(), rss, news_intake(desk), [serve_rss(STORY)])

    [news] = payloads(desk, "NewsArrived")
    assert (news["source"], news["source_id"], news["headline"]) == (
        "Local Wire", "lw-1", STORY["title"])
    assert news["body"] == "Infosys said its board will meet to consider a buyback."
    assert news["published_at"] == "2026-11-27T04:30:00Z"
    assert states["rss:Local Wire"].counts["accepted"] == 1


def test_rss_when_the_feed_is_unchanged_then_304_and_nothing_new(desk: Desk) -> None:
    site = NewsSite()
    states = run_polls(site, rss, news_intake(desk), [serve_rss(STORY), lambda s: None])

    assert site.not_modified == 1
    assert '"' in site.requests[-1][1]["If-None-Match"]
    assert len(payloads(desk, "NewsArrived")) == 1
    assert states["rss:Local Wire"].polls == 2


def test_rss_when_a_story_is_repeated_beside_a_new_one_then_only_the_new_one_logged(
    desk: Desk,
) -> None:
    second = STORY | {"guid": "lw-2", "title": "TCS wins a large deal in Europe",
                      "description": "TCS said it won a multi-year deal."}
    states = run_polls(NewsSite(), rss, news_intake(desk),
                       [serve_rss(STORY), serve_rss(STORY, second)])

    assert [n["source_id"] for n in payloads(desk, "NewsArrived")] == ["lw-1", "lw-2"]
    assert states["rss:Local Wire"].counts == {"accepted": 2, "duplicate": 1, "rejected": 0}


def test_rss_when_a_story_is_changed_under_its_id_then_rejected_with_the_reason(
    desk: Desk,
) -> None:
    changed = STORY | {"title": "Infosys board defers buyback decision"}
    run_polls(NewsSite(), rss, news_intake(desk), [serve_rss(STORY), serve_rss(changed)])

    assert len(payloads(desk, "NewsArrived")) == 1
    [rejected] = payloads(desk, "InputRejected")
    assert rejected["source"] == "rss:Local Wire"
    assert "already received with different content" in rejected["reason"]


@pytest.mark.parametrize(("document", "reason"), [
    (b"<rss><channel><item><title>cut off", "not well-formed XML"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss/>', "DOCTYPE"),
    (b"<html><body>maintenance</body></html>", "not an RSS or Atom feed"),
])
def test_rss_when_the_document_is_not_a_feed_then_rejected_and_polling_goes_on(
    desk: Desk, document: bytes, reason: str,
) -> None:
    def broken(site: NewsSite) -> None:
        site.rss = document

    run_polls(NewsSite(), rss, news_intake(desk), [broken, serve_rss(STORY)])

    [rejected] = payloads(desk, "InputRejected")
    assert reason in rejected["reason"]
    assert len(payloads(desk, "NewsArrived")) == 1


def test_rss_when_an_entry_has_no_date_then_that_entry_rejected_naming_the_field(
    desk: Desk,
) -> None:
    undated = {k: v for k, v in STORY.items() if k != "pubDate"} | {"guid": "lw-9"}
    run_polls(NewsSite(), rss, news_intake(desk), [serve_rss(undated, STORY)])

    assert [n["source_id"] for n in payloads(desk, "NewsArrived")] == ["lw-1"]
    assert payloads(desk, "InputRejected")[0]["reason"].startswith("published_at")


def test_atom_when_an_entry_arrives_then_news_logged(desk: Desk) -> None:
    def serve(site: NewsSite) -> None:
        site.atom = atom_document([{"id": "urn:lw:7", "title": "SBI cuts lending rates",
                                    "summary": "State Bank of India cut its MCLR.",
                                    "updated": "2026-11-27T09:40:00+05:30"}])

    run_polls(NewsSite(), lambda url: RssPoller(url + ATOM_PATH, "Atom Wire"),
              news_intake(desk), [serve])

    [news] = payloads(desk, "NewsArrived")
    assert (news["source_id"], news["headline"]) == ("urn:lw:7", "SBI cuts lending rates")


def test_nse_when_a_filing_is_listed_then_announcement_logged_after_the_cookie_warm_up(
    desk: Desk,
) -> None:
    site = NewsSite()
    run_polls(site, NsePoller, news_intake(desk), [lambda s: s.set_announcements([FILING])])

    [filing] = payloads(desk, "AnnouncementArrived")
    assert (filing["symbol"], filing["isin"], filing["category"], filing["source_id"]) == (
        "INFY", "INE009A01021", "Buyback", "nse-104711")
    assert filing["published_at"] == "2026-11-27T10:05:30+05:30"
    assert filing["headline"] == "Infosys Limited - Buyback"
    assert [path for path, _ in site.requests][:2] == ["/", "/api/corporate-announcements"]
    assert site.refused == 0


def test_nse_when_listed_again_with_a_new_filing_then_only_the_new_one_logged(
    desk: Desk,
) -> None:
    other = FILING | {"symbol": "TCS", "sm_name": "Tata Consultancy Services Limited",
                      "sm_isin": "INE467B01029", "seq_id": "104712", "desc": "Dividend",
                      "attchmntText": "TCS declared an interim dividend."}
    run_polls(NewsSite(), NsePoller, news_intake(desk),
              [lambda s: s.set_announcements([FILING]),
               lambda s: s.set_announcements([FILING, other])])

    assert [f["symbol"] for f in payloads(desk, "AnnouncementArrived")] == ["INFY", "TCS"]


def test_nse_when_a_row_names_an_unknown_symbol_or_the_json_is_bad_then_rejected(
    desk: Desk,
) -> None:
    def bad_json(site: NewsSite) -> None:
        site.announcements = b'[{"symbol": "INFY",'

    unknown = FILING | {"symbol": "NOSUCH", "sm_isin": "", "seq_id": "9"}
    run_polls(NewsSite(), NsePoller, news_intake(desk),
              [lambda s: s.set_announcements([unknown, FILING]), bad_json])

    reasons = sorted(r["reason"] for r in payloads(desk, "InputRejected"))
    assert reasons[0].startswith("not JSON")
    assert reasons[1] == "unknown or ambiguous instrument(s): NOSUCH"
    assert len(payloads(desk, "AnnouncementArrived")) == 1
