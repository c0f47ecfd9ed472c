"""Reading a Chat Completions answer (the documented JSON): the review with its audit
fields, or a failure with its reason for any shape a server may send."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.llm.completion import read_completion

REVIEW = {"verdict": "support", "confidence": 0.8, "thesis": "The buyback supports the price.",
          "risks": ["market falls"], "invalidation": "a close below the stop"}


def _answer(message: dict[str, Any], finish: str = "stop", **extra: Any) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-x",
            "choices": [{"index": 0, "message": {"role": "assistant", **message},
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160},
            **extra}


def test_read_when_content_holds_the_review_then_review_and_audit_fields() -> None:
    call = read_completion(_answer({"content": json.dumps(REVIEW)}), "req_9", tools=False)

    assert call.body is not None and call.body.verdict == "support"
    assert (call.model_returned, call.request_id, call.tokens_in, call.tokens_out) == (
        "gpt-x", "req_9", 120, 40)


def test_read_when_asked_by_tool_then_review_from_the_tool_call_arguments() -> None:
    message = {"content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {
        "name": "card_review", "arguments": json.dumps(REVIEW)}}]}

    call = read_completion(_answer(message, "tool_calls"), "", tools=True)

    assert call.body is not None and call.body.invalidation == "a close below the stop"
    assert call.request_id == "chatcmpl-1"  # no x-request-id header: the completion's id


@pytest.mark.parametrize(("data", "failure", "detail"), [
    (_answer({"content": None, "refusal": "I can't help with that."}), "refusal", "I can't"),
    (_answer({"content": ""}, "content_filter"), "refusal", "content filter"),
    (_answer({"content": '{"verdict": '}), "invalid_output", "not JSON"),
    (_answer({"content": None, "tool_calls": []}), "invalid_output", "not JSON"),
    ({**_answer({"content": "{}"}), "choices": []}, "invalid_output", "no choices"),
    ([1, 2], "invalid_output", "not a JSON object"),
])
def test_read_when_answer_is_not_a_usable_review_then_failure_with_reason(
    data: Any, failure: str, detail: str,
) -> None:
    call = read_completion(data, "req_1", tools=data is not None and "tool_calls" in str(data))

    assert call.body is None and call.failure == failure and detail in call.detail


def test_read_when_usage_is_malformed_then_token_counts_are_zero_and_review_kept() -> None:
    data = _answer({"content": json.dumps(REVIEW)}, usage={"prompt_tokens": "many"})

    call = read_completion(data, "req_1", tools=False)

    assert call.body is not None and (call.tokens_in, call.tokens_out) == (0, 0)
