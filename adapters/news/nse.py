"""NSE corporate announcements (the JSON behind the exchange's announcements page) as
filings: pure parsing; fetching, with the cookies the site wants, is in `poller`.

Fields, per row: symbol, desc (the category), an_dt / sort_date (IST), attchmntFile,
attchmntText, sm_name, sm_isin, seq_id, smIndustry. A row that lacks what a filing needs
is still returned, so the intake rejects it naming the field.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from domain.session import IST

SOURCE = "NSE"
ANNOUNCEMENTS_PATH = "/api/corporate-announcements?index=equities"
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d-%b-%Y %H:%M:%S")


class AnnouncementsError(ValueError):
    """The answer is not the announcements JSON (the message says why)."""


def _ist_time(row: dict[str, Any]) -> str | None:
    for field in ("sort_date", "an_dt"):
        text = str(row.get(field) or "")
        for fmt in _FORMATS:
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=IST).isoformat()
            except ValueError:
                continue
    return None


def _filing(row: Any) -> Any:
    if not isinstance(row, dict):
        return row  # the intake rejects it: not a JSON object
    name, desc = str(row.get("sm_name") or row.get("symbol") or ""), str(row.get("desc") or "")
    text = str(row.get("attchmntText") or "")
    attachment = str(row.get("attchmntFile") or "")
    return {
        "kind": "announcement", "source": SOURCE,
        "source_id": f"nse-{row.get('seq_id')}" if row.get("seq_id") else "",
        "published_at": _ist_time(row),
        "headline": f"{name} - {desc}" if desc else name,
        "body": f"{text}\n{attachment}".strip() if attachment else text,
        "category": desc or "Updates",
        "symbols": [row["symbol"]] if row.get("symbol") else [],
        "isin": row.get("sm_isin") or None,
    }


def parse_announcements(document: bytes) -> list[Any]:
    """The filings of an announcements answer (a JSON list, or `{"data": [...]}`), oldest
    first; `AnnouncementsError` when the answer is not that."""
    try:
        data = json.loads(document)
    except (ValueError, RecursionError) as e:
        raise AnnouncementsError(f"not JSON: {e}") from None
    rows = data.get("data") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise AnnouncementsError("expected a JSON list of announcements")
    filings = [_filing(row) for row in rows]
    return sorted(filings, key=lambda f: (f.get("published_at") or "") if isinstance(f, dict)
                  else "")
