"""News tagging: categories and symbols by the shipped rules file, and the file's loader."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from adapters.files.sample import SAMPLE_DIR, load_instruments, read_news
from adapters.files.tagging_rules import (
    RULES_PATH,
    TaggingRulesError,
    load_tagging_rules,
    parse_tagging_rules,
)
from domain.events import AnnouncementArrived, NewsArrived
from domain.tagging import (
    Category,
    Confidence,
    ItemKind,
    NewsItem,
    Tagging,
    build_tagger,
    news_item,
)

RULES = load_tagging_rules()
INSTRUMENTS = load_instruments(SAMPLE_DIR / "instruments.csv")
TAGGER = build_tagger(RULES, INSTRUMENTS.values())
SAMPLE: dict[str, NewsArrived | AnnouncementArrived] = {
    fact.payload.source_id: fact.payload
    for fact in read_news(SAMPLE_DIR / "news.jsonl", datetime(2026, 11, 20, tzinfo=UTC))
    if isinstance(fact.payload, NewsArrived | AnnouncementArrived)
}


def news(headline: str, body: str = "", category: str = "company",
         symbols: tuple[str, ...] = ()) -> NewsItem:
    return NewsItem(ItemKind.NEWS, headline, body, category, symbols)


def announcement(headline: str, body: str = "", category: str = "Updates",
                 symbol: str = "INFY", isin: str | None = None) -> NewsItem:
    return NewsItem(ItemKind.ANNOUNCEMENT, headline, body, category, (symbol,), isin)


def tag_sample(source_id: str) -> Tagging:
    return TAGGER.tag(news_item(SAMPLE[source_id]))


def rules_fired(tagging: Tagging) -> set[str]:
    return {e.rule for e in tagging.evidence}


# The sample day


def test_tag_when_every_sample_item_is_tagged_then_each_has_a_category_and_the_rules_version(
) -> None:
    taggings = [TAGGER.tag(news_item(item)) for item in SAMPLE.values()]

    assert len(taggings) == 48
    assert all(t.rules_version == "tagging-v2" for t in taggings)
    assert all(t.category in Category for t in taggings)
    assert all(t.evidence or t.category is Category.UNKNOWN for t in taggings)


def test_tag_when_sample_announcement_is_a_buyback_then_buyback_linked_to_its_symbol() -> None:
    buybacks = {sid: item for sid, item in SAMPLE.items()
                if isinstance(item, AnnouncementArrived) and item.category == "Buyback"}

    tagged = {sid: TAGGER.tag(news_item(item)) for sid, item in buybacks.items()}

    assert {item.symbol for item in buybacks.values()} == {"INFY", "DRREDDY", "BAJAJ-AUTO"}
    for sid, tagging in tagged.items():
        assert tagging.category is Category.BUYBACK
        assert tagging.symbols == (buybacks[sid].symbol,)
        assert tagging.confidence is Confidence.HIGH
        assert not tagging.ambiguous


def test_tag_when_results_filing_then_results_for_hindalco() -> None:
    tagging = tag_sample("nse-ann-2026112012")

    assert (tagging.category, tagging.symbols) == (Category.RESULTS, ("HINDALCO",))
    assert "results/results" in rules_fired(tagging)


def test_tag_when_dividend_filing_then_dividend_for_ntpc() -> None:
    tagging = tag_sample("nse-ann-2026112009")

    assert (tagging.category, tagging.symbols) == (Category.DIVIDEND, ("NTPC",))
    assert tagging.confidence is Confidence.HIGH


def test_tag_when_record_date_filing_names_a_dividend_then_text_makes_it_dividend() -> None:
    tagging = tag_sample("nse-ann-2026112001")  # Coal India, category "Record Date"

    assert (tagging.category, tagging.symbols) == (Category.DIVIDEND, ("COALINDIA",))
    assert {"dividend/dividend-record-date",
            "precedence/other-yields-to-playable"} <= rules_fired(tagging)


def test_tag_when_record_date_without_dividend_then_record_date_scores_nothing() -> None:
    tagging = TAGGER.tag(news("Infosys fixes record date for its rights issue"))

    assert "dividend/dividend-record-date" not in rules_fired(tagging)
    assert Category.DIVIDEND not in dict(tagging.scores)


def test_tag_when_sebi_adjudication_penalty_then_sebi_order_for_axis_bank() -> None:
    tagging = tag_sample("nse-ann-2026112005")

    assert (tagging.category, tagging.symbols) == (Category.SEBI_ORDER, ("AXISBANK",))
    matched = {e.matched.casefold() for e in tagging.evidence}
    assert {"adjudication order", "monetary penalty"} <= matched


def test_tag_when_sebi_penalty_news_has_no_exchange_category_then_text_finds_sebi_order(
) -> None:
    tagging = TAGGER.tag(news(
        "SEBI imposes penalty on Axis Bank",
        "The adjudicating officer imposed a monetary penalty of ₹5 lakh on Axis Bank.",
    ))

    assert (tagging.category, tagging.symbols) == (Category.SEBI_ORDER, ("AXISBANK",))
    assert tagging.confidence is Confidence.HIGH


def test_tag_when_rbi_policy_news_then_policy_with_no_symbol() -> None:
    tagging = tag_sample("news-2026112002")  # RBI seven-day VRR auction

    assert tagging.category is Category.POLICY
    assert tagging.symbols == ()
    assert not tagging.ambiguous
    assert "policy/central-bank" in rules_fired(tagging)


def test_tag_when_sample_day_is_tagged_then_category_counts_are_as_reviewed() -> None:
    counts: dict[Category, int] = {}
    for item in SAMPLE.values():
        category = TAGGER.tag(news_item(item)).category
        counts[category] = counts.get(category, 0) + 1

    assert counts == {
        Category.BUYBACK: 12, Category.OTHER: 13, Category.UNKNOWN: 7, Category.POLICY: 5,
        Category.DIVIDEND: 3, Category.SEBI_ORDER: 3, Category.BOARD_MEETING: 4,
        Category.RESULTS: 1,
    }


def test_tag_when_board_meeting_intimation_mentions_results_then_it_stays_a_board_meeting(
) -> None:
    tagging = tag_sample("nse-ann-2026112006")  # Bharti Airtel: meeting to consider results

    assert (tagging.category, tagging.symbols) == (Category.BOARD_MEETING, ("BHARTIARTL",))
    assert tagging.confidence is Confidence.HIGH


# Precedence


def test_tag_when_board_meeting_outcome_approves_buyback_then_buyback_by_stated_precedence(
) -> None:
    tagging = TAGGER.tag(announcement(
        "Infosys Limited - Outcome of Board Meeting",
        "The Board of Directors at its meeting held today approved the buyback of equity "
        "shares through the tender offer route.",
        category="Outcome of Board Meeting",
    ))

    assert tagging.category is Category.BUYBACK
    assert tagging.symbols == ("INFY",)
    assert "precedence/board-meeting-yields-to-its-decision" in rules_fired(tagging)
    assert tagging.evidence[0].effect == "maps to board_meeting"


def test_tag_when_board_meeting_outcome_decides_nothing_playable_then_board_meeting() -> None:
    tagging = tag_sample("nse-ann-2026112006")  # Titan: investment in a subsidiary

    assert (tagging.category, tagging.confidence) == (Category.BOARD_MEETING, Confidence.HIGH)


def test_tag_when_board_meeting_outcome_text_ties_then_exchange_category_kept_as_ambiguous(
) -> None:
    tagging = TAGGER.tag(announcement(
        "Infosys Limited - Outcome of Board Meeting",
        "The Board approved the financial results and recommended a final dividend.",
        category="Outcome of Board Meeting",
    ))

    assert (tagging.category, tagging.confidence) == (Category.BOARD_MEETING, Confidence.LOW)
    assert tagging.ambiguous
    assert "results and dividend" in tagging.ambiguity[0]


def test_tag_when_specific_exchange_category_then_text_cannot_override_it() -> None:
    tagging = TAGGER.tag(announcement(
        "Bajaj Finance Limited - Credit Rating",
        "The rating agency noted the interim dividend paid last month.",
        category="Credit Rating", symbol="BAJFINANCE",
    ))

    assert (tagging.category, tagging.confidence) == (Category.OTHER, Confidence.HIGH)


def test_tag_when_exchange_category_has_no_rule_then_text_decides() -> None:
    tagging = TAGGER.tag(announcement(
        "Infosys Limited - Bonus issue", "The Board declared an interim dividend of ₹5.",
        category="Bonus",
    ))

    assert tagging.category is Category.DIVIDEND
    assert tagging.evidence[0].effect == "no rule for this label; the text decides"


# Unknown and ties


def test_tag_when_text_is_gibberish_then_unknown_with_no_symbols() -> None:
    tagging = TAGGER.tag(news("Zorblax quuxes the flimflam", "Wibble wobble, splines reticulated."))

    assert tagging.category is Category.UNKNOWN
    assert tagging.confidence is Confidence.NONE
    assert (tagging.symbols, tagging.ambiguous, tagging.evidence) == ((), False, ())


def test_tag_when_macro_news_matches_no_rule_then_unknown_not_other() -> None:
    tagging = tag_sample("news-2026112005")  # rupee opens higher

    assert tagging.category is Category.UNKNOWN


def test_tag_when_two_categories_tie_then_unknown_and_ambiguous_with_the_reason() -> None:
    rules = parse_tagging_rules(
        "version: tiny-v9\n"
        "thresholds: {min_score: 2, high_score: 5, headline_bonus: 0}\n"
        "categories:\n"
        "  results: [{id: results, weight: 3, phrases: [financial results]}]\n"
        "  dividend: [{id: dividend, weight: 3, phrases: [dividend]}]\n"
    )
    tagger = build_tagger(rules, INSTRUMENTS.values())

    tagging = tagger.tag(news("Infosys Limited posts financial results and declares a dividend"))

    assert (tagging.category, tagging.confidence) == (Category.UNKNOWN, Confidence.NONE)
    assert tagging.ambiguity == ("text ties at 3 points between results and dividend",)
    assert tagging.rules_version == "tiny-v9"
    assert tagging.symbols == ("INFY",)


# Symbols


def test_link_when_switch_appears_then_itc_is_not_linked() -> None:
    tagging = TAGGER.tag(news("Switch maker lifts prices", "Switchgear and switches cost more."))

    assert tagging.symbols == ()


def test_link_when_itc_is_a_whole_uppercase_word_then_itc_is_linked() -> None:
    assert TAGGER.tag(news("ITC shares rise")).symbols == ("ITC",)
    assert TAGGER.tag(news("itc shares rise")).symbols == ()


def test_link_when_alias_names_several_companies_then_ambiguous_and_none_linked() -> None:
    tagging = TAGGER.tag(news("Tata group stocks rally on festive demand"))

    assert tagging.symbols == ()
    assert tagging.ambiguous
    assert tagging.ambiguity == ("'Tata' in the headline names TATASTEEL, TCS; none linked",)


def test_link_when_shared_alias_sits_beside_a_full_name_then_it_is_settled() -> None:
    tagging = TAGGER.tag(news("Tata Steel output rises", "Tata said volumes grew 6%."))

    assert tagging.symbols == ("TATASTEEL",)
    assert not tagging.ambiguous


def test_link_when_item_names_isin_alias_and_symbol_then_each_links() -> None:
    tagging = TAGGER.tag(news(
        "Infosys Ltd and HDFC Bank in focus", "ISIN INE467B01029 trades ex-date; also LT."
    ))

    assert tagging.symbols == ("HDFCBANK", "INFY", "LT", "TCS")


def test_link_when_wire_lists_symbols_the_text_never_names_then_they_are_not_linked() -> None:
    tagging = tag_sample("news-2026112007")  # IT services sector story tagged with 4 symbols

    assert tagging.symbols == ()
    unconfirmed = {e.matched for e in tagging.evidence
                   if e.rule == "symbol/source-unconfirmed"}
    assert unconfirmed == {"TCS", "INFY", "WIPRO", "HCLTECH"}


def test_link_when_announcement_isin_names_another_symbol_then_ambiguous() -> None:
    tagging = TAGGER.tag(announcement("Board meeting intimation", symbol="INFY",
                                      isin="INE467B01029"))

    assert tagging.symbols == ("INFY", "TCS")
    assert tagging.ambiguous


# Determinism


def test_tag_when_same_item_twice_then_equal_results() -> None:
    item = news_item(SAMPLE["nse-ann-2026112007"])

    assert TAGGER.tag(item) == TAGGER.tag(item)


def test_tag_when_rules_are_loaded_and_built_again_then_every_sample_result_is_equal() -> None:
    again = build_tagger(load_tagging_rules(RULES_PATH), INSTRUMENTS.values())

    for item in SAMPLE.values():
        assert again.tag(news_item(item)) == TAGGER.tag(news_item(item))


@given(headline=st.text(min_size=1, max_size=200), body=st.text(max_size=400))
def test_tag_when_any_text_then_deterministic_and_consistent(headline: str, body: str) -> None:
    first = TAGGER.tag(news(headline, body))

    assert first == TAGGER.tag(news(headline, body))
    assert (first.category is Category.UNKNOWN) == (first.confidence is Confidence.NONE)
    assert set(first.symbols) <= set(INSTRUMENTS)


# The rules file


def broken(edit: Any) -> str:
    document = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    edit(document)
    return str(yaml.safe_dump(document, allow_unicode=True))


@pytest.mark.parametrize(("edit", "names"), [
    (lambda d: d["categories"]["buyback"][0].update(weight="heavy"),
     "categories.buyback.0.weight: Input should be a valid decimal"),
    (lambda d: d.pop("version"), "version: Field required"),
    (lambda d: d["categories"]["results"][0].update(patterns=["Q[1-4"]),
     "categories.results.0.patterns: not a regular expression: 'Q[1-4'"),
    (lambda d: d["categories"].update(bonus=[{"id": "bonus", "weight": 1,
                                               "phrases": ["bonus"]}]),
     "categories.bonus.[key]"),
    (lambda d: d["categories"]["dividend"][0].update(wieght=3),
     "categories.dividend.0.wieght: Extra inputs are not permitted"),
    (lambda d: d["thresholds"].update(min_score=0),
     "thresholds.min_score: Input should be greater than 0"),
    (lambda d: d["precedence"].append({"id": "loop", "category": "buyback",
                                       "yields_to": ["board_meeting"], "why": "testing"}),
     "tagging.yaml: precedence.0: board_meeting yields to itself through other rules (a cycle)"),
])
def test_load_when_rules_file_is_malformed_then_error_names_the_field(
    edit: Any, names: str
) -> None:
    with pytest.raises(TaggingRulesError) as raised:
        parse_tagging_rules(broken(edit), "tagging.yaml")

    assert str(raised.value).startswith("tagging.yaml: ")
    assert names in str(raised.value)


def test_load_when_file_is_not_yaml_then_error_says_so() -> None:
    with pytest.raises(TaggingRulesError, match=r"tagging\.yaml: not valid YAML"):
        parse_tagging_rules("version: [unclosed", "tagging.yaml")


def test_load_when_shipped_file_is_read_then_rules_carry_its_version() -> None:
    assert RULES.version == "tagging-v2"
    assert {r.category for r in RULES.rules} == set(Category) - {Category.UNKNOWN}
