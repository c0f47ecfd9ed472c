"""The judge over any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp's server),
through the `openai` package's Chat Completions.

The answer is asked for with a JSON-schema `response_format`; a server that rejects that
(400) is asked again, and from then on, with a forced tool call whose parameters are the
same schema. Retries (429, 5xx, timeouts, dropped connections) are counted here, not in
the SDK, so each review records how many it took. The key never appears in a log or error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import httpx2
import openai
import structlog
from openai import AsyncOpenAI
from openai._types import RequestOptions

from adapters.llm.completion import read_completion
from adapters.llm.config import JudgeConfig
from domain.events import CardProposed
from domain.review import (
    REVIEW_SCHEMA,
    SCHEMA_NAME,
    PromptVersion,
    RenderedPrompt,
    ReviewCall,
    render,
)

log = structlog.get_logger("eventdesk.judge")

_RETRIED: dict[type[Exception], str] = {
    openai.APITimeoutError: "timeout",
    openai.RateLimitError: "rate_limit",
    openai.InternalServerError: "error",
    openai.APIConnectionError: "error",
}


class OpenAIReviewer:
    """Reviews cards with a chat model; at most `config.concurrency` calls at once."""

    kind = "llm"

    def __init__(self, config: JudgeConfig) -> None:
        self.config = config
        self.model = config.model
        self.use_tools = False  # set once the server has rejected the json_schema format
        self._client = AsyncOpenAI(
            base_url=config.base_url or None,
            api_key=config.api_key or "not-needed",
            timeout=config.timeout_seconds,
            max_retries=0,
        )
        self._slots = asyncio.Semaphore(config.concurrency)
        self._formats = _formats()  # built once: the schema never changes between calls

    async def review(
        self, card: CardProposed, prompt: PromptVersion, news: Sequence[str]
    ) -> ReviewCall:
        rendered = render(prompt, card, news)
        async with self._slots:
            started = time.perf_counter()
            retries = 0
            while True:
                try:
                    call = await self._call(rendered)
                    break
                except tuple(_RETRIED) as e:
                    if retries >= self.config.max_retries:
                        reason = next(r for t, r in _RETRIED.items() if isinstance(e, t))
                        call = ReviewCall(None, reason, _describe(e))
                        break
                    retries += 1
                    await asyncio.sleep(self.config.backoff_seconds * 2 ** (retries - 1))
                except openai.APIError as e:
                    call = ReviewCall(None, "error", _describe(e))
                    break
            latency = Decimal(f"{(time.perf_counter() - started) * 1000:.3f}")
        return _with(call, prompt_sha256=rendered.sha256, latency_ms=latency, retries=retries)

    async def _call(self, rendered: RenderedPrompt) -> ReviewCall:
        if not self.use_tools:
            try:
                return await self._ask(rendered, tools=False)
            except openai.BadRequestError as e:
                log.info(
                    "json_schema format rejected, using a forced tool call",
                    model=self.model,
                    status=e.status_code,
                )
                self.use_tools = True
        return await self._ask(rendered, tools=True)

    async def _ask(self, rendered: RenderedPrompt, tools: bool) -> ReviewCall:
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": rendered.system},
                {"role": "user", "content": rendered.user},
            ],
            "temperature": 0,
            **self._formats[tools],
        }
        # The SDK's own POST (auth, timeout, error classes raised on 4xx/5xx), without the
        # recursive transform `chat.completions.create` runs over every argument on every
        # call (the body is already the documented JSON) and without its typed model of
        # the answer (`read_completion` reads the few fields the audit keeps).
        response = await self._client.post(
            "/chat/completions", body=body, cast_to=httpx2.Response, options=_OPTIONS
        )
        await response.aread()
        try:
            data = response.json()
        except ValueError:
            data = None
        return read_completion(data, response.headers.get("x-request-id", ""), tools)

    async def close(self) -> None:
        await self._client.close()


_OPTIONS: RequestOptions = {"security": {"bearer_auth": True}}


def _formats() -> dict[bool, dict[str, Any]]:
    """How the answer's shape is asked for: a JSON-schema response format (False), or a
    forced call of a tool with the same schema as its parameters (True)."""
    return {
        False: {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "schema": REVIEW_SCHEMA, "strict": True},
            }
        },
        True: {
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": SCHEMA_NAME,
                        "description": "Record the review of the trade card.",
                        "parameters": REVIEW_SCHEMA,
                        "strict": True,
                    },
                }
            ],
            "tool_choice": {"type": "function", "function": {"name": SCHEMA_NAME}},
        },
    }


def _with(call: ReviewCall, **changes: Any) -> ReviewCall:
    fields = {**call.__dict__, **changes}
    return ReviewCall(**fields)


def _describe(e: Exception) -> str:
    """An error's kind and status, never the request (which carries no key, but may be long)."""
    status = getattr(e, "status_code", None)
    return f"{type(e).__name__}{f' {status}' if status else ''}: {str(e)[:300]}"
