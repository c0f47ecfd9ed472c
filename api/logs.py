"""Production logs: one JSON object a line, with plain tracebacks and never a local variable.

structlog's development renderer prints every local of every frame in a traceback, which
put presented tokens and the whole API state into the log (and cost seconds of event-loop
time per request). Here an exception becomes its plain text traceback under `exception`.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog


def configure(verbose: bool = False, stream: TextIO | None = None) -> None:
    """Log JSON lines to `stream` (stderr): INFO and up, DEBUG too when `verbose`."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,  # plain text; no locals
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.DEBUG if verbose else logging.INFO),
        cache_logger_on_first_use=False,
    )
