"""The intake conversation that opens an account: its questions, parsers and funding terms.

`conversation` is the package's public face, so callers write `intake.start(...)`.
"""

from domain.intake.conversation import (
    ACCOUNT_ID,
    INITIAL_DEPOSIT,
    QUESTION_KEYS,
    QUESTIONS,
    IntakeError,
    Opening,
    Question,
    Reply,
    Session,
    Step,
    answer,
    answer_all,
    confirm,
    reply_for,
    start,
    summary,
)

__all__ = [
    "ACCOUNT_ID", "INITIAL_DEPOSIT", "QUESTIONS", "QUESTION_KEYS", "IntakeError", "Opening",
    "Question", "Reply", "Session", "Step", "answer", "answer_all", "confirm", "reply_for",
    "start", "summary",
]
