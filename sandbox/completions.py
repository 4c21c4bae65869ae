"""A stub OpenAI-compatible chat-completions endpoint, outside the Notion namespace, for tests and the demo.

- ``POST /_sandbox/llm/v1/chat/completions`` with ``{"model", "messages", …}`` and a bearer key: a
  deterministic answer, ``• <model>: <the first line of the last user message>`` (at most 200 characters),
  in the chat-completions response shape; unless the model is set to fail;
- ``GET /_sandbox/llm/config`` / ``POST /_sandbox/llm/config`` with ``{"failures": {model: how}}`` where
  `how` is an HTTP status (e.g. 500, 429), ``"timeout"`` (never answered until the client goes away),
  ``"empty"`` (a 200 without any text) or ``"garbage"`` (a 200 that is not JSON); optionally
  ``{"api_key": KEY}`` to require that key (401 otherwise);
- ``GET /_sandbox/llm/calls`` → ``{"calls": [{"model", "outcome", "temperature", "max_tokens"}]}``;
  ``POST /_sandbox/llm/reset`` clears the calls and the failures.

The stub never echoes a key. `CompletionsStub` is a plain ASGI app (serve it alone over
`httpx.ASGITransport` under trio's autojump clock); `stub_for(owner)` gives the one stub of a running
sandbox, which `sandbox.limits` routes ``/_sandbox/llm/…`` to.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Receive, Scope, Send

from sandbox.asgi_io import read_body, send_json

LLM_PREFIX = "/_sandbox/llm"
COMPLETIONS = LLM_PREFIX + "/v1/chat/completions"
FAILURE_WORDS = ("timeout", "empty", "garbage")
_STUBS: weakref.WeakKeyDictionary[object, CompletionsStub] = weakref.WeakKeyDictionary()


def parse_failures(value: Any) -> dict[str, int | str]:
    """`{model: status | "timeout" | "empty" | "garbage"}`, or a ValueError naming the bad entry."""
    if not isinstance(value, Mapping):
        raise ValueError("failures must be an object of model -> how it fails")
    parsed: dict[str, int | str] = {}
    for model, how in value.items():
        is_status = isinstance(how, int) and not isinstance(how, bool) and 400 <= how <= 599
        if not (is_status or how in FAILURE_WORDS):
            raise ValueError(f"failure of {model!r} must be a 4xx/5xx status or one of {FAILURE_WORDS}")
        parsed[str(model)] = how
    return parsed


def answer_for(model: str, messages: Any) -> str:
    """The deterministic answer: the model's name and the first line of the last user message."""
    text = ""
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, Mapping) and message.get("role") == "user":
                content = message.get("content")
                text = content if isinstance(content, str) else ""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return f"• {model}: {first}"[:200]


@dataclass
class CompletionsStub:
    api_key: str | None = field(default=None, repr=False)
    failures: dict[str, int | str] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"].rstrip("/"), scope["method"]
        if path == COMPLETIONS and method == "POST":
            await self._complete(scope, receive, send)
        elif path == LLM_PREFIX + "/config" and method == "GET":
            await send_json(send, 200, {"failures": self.failures, "requires_key": self.api_key is not None})
        elif path == LLM_PREFIX + "/config" and method == "POST":
            await self._configure(receive, send)
        elif path == LLM_PREFIX + "/calls" and method == "GET":
            await send_json(send, 200, {"calls": self.calls})
        elif path == LLM_PREFIX + "/reset" and method == "POST":
            await read_body(receive)
            self.calls.clear()
            self.failures.clear()
            await send_json(send, 200, {"calls": []})
        else:
            await read_body(receive)
            await send_json(send, 404, _error("not_found", f"no route {method} {path}"))

    async def _configure(self, receive: Receive, send: Send) -> None:
        try:
            body = json.loads(await read_body(receive) or b"{}")
            failures = parse_failures(body.get("failures", self.failures)) if isinstance(body, dict) else None
            key = body.get("api_key", self.api_key) if isinstance(body, dict) else None
            if failures is None or not (key is None or isinstance(key, str)):
                raise ValueError("the body must be {'failures': {...}, 'api_key': '…'}")
        except ValueError as problem:
            await send_json(send, 400, _error("invalid_request_error", str(problem)))
            return
        self.failures, self.api_key = failures, key
        await send_json(send, 200, {"failures": self.failures, "requires_key": self.api_key is not None})

    async def _complete(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = await read_body(receive)
        auth = dict(scope.get("headers", ())).get(b"authorization", b"").decode("latin-1")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        model = body.get("model") if isinstance(body, dict) else None
        if not isinstance(model, str) or not isinstance(body.get("messages"), list):
            await self._answer(send, "unknown", 400, _error("invalid_request_error", "model and messages"))
            return
        if not auth.startswith("Bearer ") or (self.api_key is not None and auth != f"Bearer {self.api_key}"):
            await self._answer(send, model, 401, _error("invalid_api_key", "Incorrect API key provided"))
            return
        asked = {"temperature": body.get("temperature"), "max_tokens": body.get("max_tokens")}
        how = self.failures.get(model)
        if how == "timeout":
            self.calls.append({"model": model, "outcome": "timeout", **asked})
            while (await receive())["type"] != "http.disconnect":
                pass
            return
        if isinstance(how, int):
            await self._answer(send, model, how, _error("upstream_error", f"{model} failed ({how})"), **asked)
        elif how == "garbage":
            self.calls.append({"model": model, "outcome": "garbage", **asked})
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"<html>not json"})
        else:
            text = "" if how == "empty" else answer_for(model, body["messages"])
            outcome = "empty" if how else "ok"
            await self._answer(send, model, 200, _completion(model, text), outcome=outcome, **asked)

    async def _answer(
        self, send: Send, model: str, status: int, body: Any, *, outcome: str = "", **asked: Any
    ) -> None:
        self.calls.append({"model": model, "outcome": outcome or str(status), **asked})
        await send_json(send, status, body)


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message}}


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-stub-{len(text)}",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": len(text.split()), "total_tokens": 0},
    }


def stub_for(owner: object) -> CompletionsStub:
    """The one stub that belongs to `owner` (a running sandbox's limits), made on first use."""
    stub = _STUBS.get(owner)
    if stub is None:
        stub = _STUBS[owner] = CompletionsStub()
    return stub
