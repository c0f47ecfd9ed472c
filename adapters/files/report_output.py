"""A report's files in a directory: STEM.json (the figures), STEM.html (the page, which
works offline) and, when asked, STEM.pdf printed from that page by headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.reports.pdf import print_pdf


def write_report(
    out: Path, stem: str, data: dict[str, Any], html: str, pdf: bool = False
) -> list[Path]:
    """Write the report's files under `out` (created when missing); the paths written.
    Raises OSError when the directory cannot be written and `PdfUnavailable` when the PDF
    cannot be printed (the JSON and HTML are written by then)."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / f"{stem}.json", out / f"{stem}.html"]
    written[0].write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    written[1].write_text(html, encoding="utf-8")
    if pdf:
        print_pdf(written[1], out / f"{stem}.pdf")
        written.append(out / f"{stem}.pdf")
    return written
