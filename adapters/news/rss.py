"""RSS 2.0 and Atom feeds as news items (pure parsing; fetching is in `poller`).

Each entry becomes a `SubmittedItem`-shaped dict: its guid/id (else link) is the source id,
its title the headline, its description/summary (tags stripped) the body. Entries without
an id or a date are still returned, so the intake rejects them with the reason. Documents
with a DOCTYPE or entity declarations are refused: feeds never need them, and refusing them
closes entity-expansion attacks whatever the XML parser.
"""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, ParseError


def _xml_parser() -> Callable[[bytes], Element]:
    """defusedxml's parser when installed (it refuses what the check below may miss), else
    the standard library's (expat, which bounds entity expansion itself)."""
    try:
        module = importlib.import_module("defusedxml.ElementTree")
    except ImportError:
        return ElementTree.fromstring
    parse: Callable[[bytes], Element] = module.fromstring
    return parse


_parse_xml = _xml_parser()

ATOM = "{http://www.w3.org/2005/Atom}"
_TAG = re.compile(r"<[^>]+>")
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


class FeedError(ValueError):
    """The document is not a readable RSS or Atom feed (the message says why)."""


def _text(node: Element | None) -> str:
    return "".join(node.itertext()).strip() if node is not None else ""


def _plain(text: str) -> str:
    """Markup-free text: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _rss_date(text: str) -> str | None:
    try:
        return parsedate_to_datetime(text).isoformat() if text else None
    except (TypeError, ValueError):
        return None


def _iso_date(text: str) -> str | None:
    try:
        return datetime.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


def _rss_entry(node: Element, source: str) -> dict[str, Any]:
    return {
        "kind": "news", "source": source,
        "source_id": _text(node.find("guid")) or _text(node.find("link")),
        "published_at": _rss_date(_text(node.find("pubDate"))),
        "headline": _plain(_text(node.find("title"))),
        "body": _plain(_text(node.find("description"))),
        "category": _plain(_text(node.find("category"))) or "news",
    }


def _atom_entry(node: Element, source: str) -> dict[str, Any]:
    link = node.find(f"{ATOM}link")
    category = node.find(f"{ATOM}category")
    return {
        "kind": "news", "source": source,
        "source_id": _text(node.find(f"{ATOM}id")) or (link.get("href", "") if link is not None
                                                        else ""),
        "published_at": _iso_date(_text(node.find(f"{ATOM}published"))
                                  or _text(node.find(f"{ATOM}updated"))),
        "headline": _plain(_text(node.find(f"{ATOM}title"))),
        "body": _plain(_text(node.find(f"{ATOM}summary")) or _text(node.find(f"{ATOM}content"))),
        "category": (category.get("term", "") if category is not None else "") or "news",
    }


def parse_feed(document: bytes, source: str) -> list[dict[str, Any]]:
    """The entries of an RSS 2.0 or Atom document, oldest first; `FeedError` saying why not."""
    if _DECLARATION.search(document):
        raise FeedError("feed declares a DOCTYPE or entities; refused")
    try:
        root = _parse_xml(document)
    except ParseError as e:
        raise FeedError(f"not well-formed XML: {e}") from None
    except Exception as e:  # defusedxml's refusals are not ParseErrors
        raise FeedError(f"refused XML: {type(e).__name__}") from None
    if root.tag == "rss":
        entries = [_rss_entry(n, source) for n in root.iterfind("channel/item")]
    elif root.tag == f"{ATOM}feed":
        entries = [_atom_entry(n, source) for n in root.iterfind(f"{ATOM}entry")]
    else:
        raise FeedError(f"not an RSS or Atom feed: root element <{root.tag}>")
    return sorted(entries, key=lambda e: e["published_at"] or "")
