"""A report page printed to PDF by headless Chromium (`--print-to-pdf`), as a reader's
browser would print it. Chromium is the system's (scripts/install-system-deps.sh)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = Path(os.environ.get("DESK_CHROMIUM", "/usr/bin/chromium"))
PRINT_TIMEOUT_S = 120


class PdfUnavailable(Exception):
    """The PDF could not be printed; the message says why (the HTML is still there)."""


def print_pdf(html: Path, pdf: Path, chromium: Path | None = None) -> None:
    """Print `html` (a local, self-contained page) to `pdf` with `chromium` (default: the
    module's `CHROMIUM`, read at each call)."""
    chromium = chromium or CHROMIUM
    if not chromium.exists():
        raise PdfUnavailable(f"{chromium} is missing: no PDF (set DESK_CHROMIUM to a Chromium)")
    with tempfile.TemporaryDirectory() as profile:  # a throwaway profile: no user state
        try:
            proc = subprocess.run(
                [
                    str(chromium),
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    f"--user-data-dir={profile}",
                    "--no-pdf-header-footer",
                    "--run-all-compositor-stages-before-draw",
                    "--virtual-time-budget=10000",
                    f"--print-to-pdf={pdf.resolve()}",
                    html.resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=PRINT_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"Chromium did not print within {PRINT_TIMEOUT_S} s") from None
    if proc.returncode != 0 or not pdf.exists():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise PdfUnavailable(f"Chromium exited {proc.returncode}: {last}")
