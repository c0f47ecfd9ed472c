"""A local OpenAI-compatible chat server for tests, demos and benches (aiohttp, 127.0.0.1,
an OS-chosen port). It speaks the documented Chat Completions wire format: `messages`,
`response_format` of type `json_schema`, `tools` with a forced `tool_choice`, `usage`, an
`x-request-id` header, and OpenAI's error body.

Faults are scripted per request (`script`): "429", "500", "timeout" (answers after
`hang_seconds`), "invalid_json", "refusal", "ok". `rejects_json_schema` makes it answer 400
to a `json_schema` format, as servers that only know tools or `json_object` do. Every
request body is kept in `requests`, so tests can see exactly what reached the model.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections import deque
from collections.abc import Iterable
from typing import Any

from aiohttp import web

FAULTS = ("ok", "429", "500", "timeout", "invalid_json", "refusal")


class FakeChatServer:
    """The fake; `await start()` returns its base URL (…/v1)."""

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        latency_seconds: float = 0.0,
        hang_seconds: float = 5.0,
        rejects_json_schema: bool = False,
        model: str = "fake-judge-1",
    ) -> None:
        self.api_key = api_key
        self.latency_seconds = latency_seconds
        self.hang_seconds = hang_seconds
        self.rejects_json_schema = rejects_json_schema
        self.model = model
        self.script: deque[str] = deque()
        self.requests: list[dict[str, Any]] = []
        self.received = asyncio.Event()
        self.release: asyncio.Event | None = None  # when set: every answer waits for it
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def inject(self, faults: Iterable[str]) -> None:
        """Answer the next requests with these faults, in order (then "ok")."""
        for fault in faults:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}: one of {FAULTS}")
            self.script.append(fault)

    async def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (`port` 0: one the OS picks); returns the base URL."""
        self._runner = web.AppRunner(_app(self), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "invalid_api_key", "Incorrect API key provided.")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "invalid_request_error", "We could not parse the JSON body.")
        self.requests.append(body)
        self.received.set()
        if self.release is not None:
            await self.release.wait()
        fault = self.script.popleft() if self.script else "ok"
        if self.latency_seconds:
            await asyncio.sleep(self.latency_seconds)
        fmt = body.get("response_format") or {}
        if self.rejects_json_schema and fmt.get("type") == "json_schema":
            return _error(
                400, "invalid_request_error", "response_format json_schema is not supported"
            )
        if fault == "429":
            return _error(429, "rate_limit_exceeded", "Rate limit reached.")
        if fault == "500":
            return _error(500, "server_error", "The server had an error.")
        if fault == "timeout":
            await asyncio.sleep(self.hang_seconds)
        return web.json_response(
            self._completion(body, fault), headers={"x-request-id": f"req_{len(self.requests)}"}
        )

    def _completion(self, body: dict[str, Any], fault: str) -> dict[str, Any]:
        user = next((m["content"] for m in body.get("messages", []) if m["role"] == "user"), "")
        content = json.dumps(_review_for(user)) if fault != "invalid_json" else '{"verdict": '
        message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
        finish = "stop"
        if fault == "refusal":
            message.update(content=None, refusal="I can't help with that.")
        elif body.get("tools"):
            name = body["tools"][0]["function"]["name"]
            message.update(
                content=None,
                tool_calls=[
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": name, "arguments": content},
                    }
                ],
            )
            finish = "tool_calls"
        words = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": self.model,
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            ],
            "usage": {"prompt_tokens": words, "completion_tokens": 40, "total_tokens": words + 40},
        }


def _review_for(user: str) -> dict[str, Any]:
    """A schema-valid review decided by the card's guardrails (any failed: oppose), with a
    confidence from a hash of the text, so the same card gets the same answer."""
    failed = '"passed": false' in user
    confidence = int(hashlib.sha256(user.encode()).hexdigest()[:4], 16) / 65535
    return {
        "verdict": "oppose" if failed else "support" if confidence >= 0.3 else "caution",
        "confidence": round(confidence, 3),
        "thesis": "The catalyst and the trend agree; the stop bounds the loss.",
        "risks": ["gap through the stop", "sector news reverses"],
        "invalidation": "a close below the stop",
    }


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": code, "param": None, "code": code}}, status=status
    )


async def _serve(port: int, api_key: str, latency: float) -> None:
    fake = FakeChatServer(api_key=api_key, latency_seconds=latency)
    await fake.start(port)
    print(f"serving {fake.base_url} (OPENAI_API_KEY={api_key})", flush=True)
    await asyncio.Event().wait()


def _app(fake: FakeChatServer) -> web.Application:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake._chat)
    return app


def main() -> None:
    """`python -m devtools.llm_fake [--port N]`: the fake on 127.0.0.1 until interrupted."""
    import argparse

    parser = argparse.ArgumentParser(description="a local OpenAI-compatible chat fake")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per answer")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.api_key, args.latency))


if __name__ == "__main__":
    main()
