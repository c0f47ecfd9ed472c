"""A Chat Completions answer (the documented JSON object) read into a `ReviewCall`: pure,
so any shape a server sends is checked here and becomes a failure with its reason, never
an exception. Reading the JSON directly spares the SDK's typed model of the whole answer
(a tenth of the desk's CPU per review) for the handful of fields the audit keeps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.review import InvalidReview, ReviewCall, parse_review


def read_completion(data: Any, request_id: str, tools: bool) -> ReviewCall:
    """The review in `data` (its message content, or its first tool call's arguments when
    asked by `tools`), or why there is none, with the model, request id and token counts."""
    if not isinstance(data, Mapping):
        return ReviewCall(None, "invalid_output", "the answer is not a JSON object",
                          request_id=request_id)
    usage = data.get("usage")
    usage = usage if isinstance(usage, Mapping) else {}
    audit: dict[str, Any] = {
        "model_returned": str(data.get("model") or ""),
        "request_id": request_id or str(data.get("id") or ""),
        "tokens_in": _count(usage.get("prompt_tokens")),
        "tokens_out": _count(usage.get("completion_tokens")),
    }
    choices = data.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else None
    message = choice.get("message") if isinstance(choice, Mapping) else None
    if not isinstance(choice, Mapping) or not isinstance(message, Mapping):
        return ReviewCall(None, "invalid_output", "no choices in the answer", **audit)
    refusal = message.get("refusal")
    if refusal or choice.get("finish_reason") == "content_filter":
        return ReviewCall(None, "refusal", str(refusal or "content filter")[:1_000], **audit)
    text = message.get("content")
    if tools:
        calls = message.get("tool_calls")
        call = calls[0] if isinstance(calls, list) and calls else None
        function = call.get("function") if isinstance(call, Mapping) else None
        text = function.get("arguments") if isinstance(function, Mapping) else ""
    try:
        return ReviewCall(parse_review(text if isinstance(text, str) else ""), **audit)
    except InvalidReview as e:
        return ReviewCall(None, "invalid_output", str(e), **audit)


def _count(value: Any) -> int:
    """A token count as sent (a non-negative whole number), else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
