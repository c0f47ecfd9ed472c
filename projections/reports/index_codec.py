"""The report index as JSON, exactly: `desk report` saves it beside the store and folds
only what the log added since, so a report on a long log does not re-read the whole log.

Money stays exact decimal text and times keep their offsets, so an index read back draws
the same report, byte for byte, as the index that was saved.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from projections.reports.index import ReportIndex

_INDEX = TypeAdapter(ReportIndex)


def encode_index(index: ReportIndex) -> bytes:
    """The index as JSON bytes."""
    return _INDEX.dump_json(index)


def decode_index(data: bytes | str) -> ReportIndex:
    """An index from `encode_index`'s JSON (pydantic's ValidationError when it is not one)."""
    return _INDEX.validate_json(data)
