"""Symbol linking: NSE symbols, ISINs, company names and aliases found in an item's text.

Symbols, ISINs and all-capital aliases (ITC, L&T) match case-sensitively; other names
case-insensitively; all as whole words, longest name first, so "Tata Steel" is one mention
and not also a mention of "Tata". A spelling that names several instruments links none of
them unless another mention or the source already links one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from domain.instruments import Instrument
from domain.tagging.result import Evidence, NewsItem
from domain.tagging.rules import SymbolRules
from domain.tagging.text import phrase_fragment, plain


@dataclass(frozen=True)
class Spelling:
    text: str
    symbol: str
    how: str  # symbol, isin, name, alias


# When one spelling is several kinds at once, evidence names the most specific.
_HOW_RANK = {"symbol": 0, "isin": 1, "name": 2, "alias": 3}


@dataclass(frozen=True)
class SymbolIndex:
    matcher: re.Pattern[str] | None
    exact: Mapping[str, tuple[Spelling, ...]]  # case-sensitive spellings by text
    folded: Mapping[str, tuple[Spelling, ...]]  # case-insensitive spellings by casefold
    by_isin: Mapping[str, str]
    known: frozenset[str]


@dataclass(frozen=True)
class SymbolLinks:
    symbols: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    ambiguity: tuple[str, ...]


def _key(text: str) -> str:
    return " ".join(plain(text).split())


def _case_sensitive(spelling: Spelling) -> bool:
    return spelling.how in ("symbol", "isin") or (
        spelling.text.upper() == spelling.text and any(c.isalpha() for c in spelling.text)
    )


def _spellings(instrument: Instrument, rules: SymbolRules,
               aliases: Mapping[str, tuple[str, ...]]) -> Iterator[Spelling]:
    symbol, name = instrument.symbol, instrument.name
    yield Spelling(symbol, symbol, "symbol")
    yield Spelling(instrument.isin, symbol, "isin")
    yield Spelling(name, symbol, "name")
    for suffix in rules.legal_suffixes:
        if name.casefold().endswith(f" {suffix.casefold()}"):
            base = name[: -len(suffix)].rstrip()
            yield Spelling(base, symbol, "name")
            yield from (Spelling(f"{base} {other}", symbol, "name")
                        for other in rules.legal_suffixes)
    yield from (Spelling(alias, symbol, "alias") for alias in aliases.get(symbol, ()))


def build_index(instruments: Iterable[Instrument], rules: SymbolRules) -> SymbolIndex:
    """Every spelling of every instrument, compiled into one whole-word matcher."""
    aliases = dict(rules.aliases)
    exact: dict[str, list[Spelling]] = {}
    folded: dict[str, list[Spelling]] = {}
    spelled: set[tuple[str, bool]] = set()
    by_isin: dict[str, str] = {}
    for instrument in sorted(instruments, key=lambda i: i.symbol):
        by_isin[instrument.isin] = instrument.symbol
        for spelling in _spellings(instrument, rules, aliases):
            key = _key(spelling.text)
            if not key:
                continue
            sensitive = _case_sensitive(spelling)
            table = exact.setdefault(key, []) if sensitive else folded.setdefault(
                key.casefold(), [])
            if spelling not in table:
                table.append(spelling)
            spelled.add((key, sensitive))
    return SymbolIndex(
        _matcher(spelled) if spelled else None,
        {k: tuple(v) for k, v in exact.items()},
        {k: tuple(v) for k, v in folded.items()},
        by_isin,
        frozenset(by_isin.values()),
    )


def _matcher(spelled: set[tuple[str, bool]]) -> re.Pattern[str]:
    """Whole-word, longest-first alternation, grouped by first letter.

    Grouping is only for speed (each position tries one group, not every spelling); all
    spellings in a group start at the same position, so longest-first still holds.
    """
    groups: dict[str, tuple[set[str], set[str]]] = {}
    for key, sensitive in spelled:
        first = key[0]
        starts, fragments = groups.setdefault(first.lower(), (set(), set()))
        starts.update({first} if sensitive else {first.lower(), first.upper()})
        fragments.add(phrase_fragment(key) if sensitive else f"(?i:{phrase_fragment(key)})")
    branches = [
        f"(?={_char_class(starts)})(?:{'|'.join(sorted(fragments, key=_longest_first))})"
        for _, (starts, fragments) in sorted(groups.items())
    ]
    every_start = set().union(*(starts for starts, _ in groups.values()))
    return re.compile(f"(?={_char_class(every_start)})(?<!\\w)(?:{'|'.join(branches)})(?!\\w)")


def _char_class(chars: set[str]) -> str:
    return f"[{''.join(re.escape(c) for c in sorted(chars))}]"


def _longest_first(fragment: str) -> tuple[int, str]:
    return -len(fragment), fragment


@dataclass(frozen=True)
class _Mention:
    text: str
    where: str
    spellings: tuple[Spelling, ...]

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted({s.symbol for s in self.spellings}))


def _mentions(index: SymbolIndex, item: NewsItem) -> Iterator[_Mention]:
    if index.matcher is None:
        return
    for where, text in (("headline", item.headline), ("body", item.body)):
        for match in index.matcher.finditer(plain(text)):
            key = _key(match.group(0))
            found = index.exact.get(key, ()) + index.folded.get(key.casefold(), ())
            yield _Mention(match.group(0), where, found)


def link_symbols(index: SymbolIndex, item: NewsItem,
                 trusted_source: bool) -> SymbolLinks:
    """Symbols the item names (and, from a trusted source, the ones it is filed under)."""
    linked: set[str] = set()
    evidence: list[Evidence] = []
    ambiguity: list[str] = []
    if trusted_source:
        for symbol in item.source_symbols:
            if symbol in index.known:
                linked.add(symbol)
                evidence.append(Evidence("symbol/source", symbol, "source", f"links {symbol}"))
            else:
                evidence.append(Evidence("symbol/source", symbol, "source",
                                         "not linked: not in the instrument master"))
        isin_symbol = index.by_isin.get(item.isin) if item.isin else None
        if isin_symbol is not None:
            linked.add(isin_symbol)
            evidence.append(Evidence("symbol/source-isin", item.isin or "", "source",
                                     f"links {isin_symbol}"))
            if item.source_symbols and isin_symbol not in item.source_symbols:
                ambiguity.append(f"source ISIN {item.isin} is {isin_symbol}, but the item is "
                                 f"filed under {', '.join(item.source_symbols)}")
    shared: list[_Mention] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for mention in _mentions(index, item):
        if not mention.symbols or (mention.text.casefold(), mention.symbols) in seen:
            continue
        seen.add((mention.text.casefold(), mention.symbols))
        if len(mention.symbols) == 1:
            symbol = mention.symbols[0]
            linked.add(symbol)
            how = min((s.how for s in mention.spellings), key=_HOW_RANK.__getitem__)
            evidence.append(Evidence(f"symbol/{how}", mention.text, mention.where,
                                     f"links {symbol}"))
        else:
            shared.append(mention)
    for mention in shared:
        named = ", ".join(mention.symbols)
        settled = sorted(linked.intersection(mention.symbols))
        if settled:
            evidence.append(Evidence("symbol/shared-alias", mention.text, mention.where,
                                     f"names {named}; already linked {', '.join(settled)}"))
        else:
            evidence.append(Evidence("symbol/shared-alias", mention.text, mention.where,
                                     f"names {named}; links none"))
            ambiguity.append(f"{mention.text!r} in the {mention.where} names {named}; "
                             "none linked")
    if not trusted_source:
        for symbol in item.source_symbols:
            if symbol not in linked:
                evidence.append(Evidence("symbol/source-unconfirmed", symbol, "source",
                                         "not linked: the text does not name it"))
    return SymbolLinks(tuple(sorted(linked)), tuple(evidence), tuple(ambiguity))
