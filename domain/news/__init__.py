"""Live news and filings: items as sources send them, linked to instruments and admitted
once (by source id and by content)."""

from domain.news.admission import (
    Admission,
    InstrumentDirectory,
    Outcome,
    SeenItems,
    SubmittedItem,
    admit,
    content_hash,
)
from domain.news.polled import Polled

__all__ = [
    "Admission",
    "InstrumentDirectory",
    "Outcome",
    "Polled",
    "SeenItems",
    "SubmittedItem",
    "admit",
    "content_hash",
]
