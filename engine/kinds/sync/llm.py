"""An OpenAI-compatible chat-completions client (OpenRouter and the like) and the summarizer built on it.

Settings come from the config file's ``[llm]`` table and the environment (the environment wins):
``PAYDESK_LLM_BASE_URL`` (default OpenRouter), ``PAYDESK_LLM_MODELS`` (comma separated, tried in order)
and the key, ``PAYDESK_LLM_API_KEY`` (or ``OPENROUTER_API_KEY``), read from the environment only. Every
request asks for temperature 0 and at most 200 tokens and is given 30 s; a model that fails (an HTTP error,
a timeout, an answer without text) hands over to the next, and when all fail the summarizer keeps the raw
text. Requests run on the client's own `trio.CapacityLimiter` and its own HTTP client, so they never hold
up Notion work. The key is a secret: it is never logged, never part of a result or an error, never shown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import trio

from engine.kinds.sync.summarize import MAX_LINES, Entry, raw_text
from engine.workspace.config import ConfigError

DEFAULT_LLM_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_CONCURRENCY = 4
SYSTEM_PROMPT = (
    "You condense a contractor's monthly project updates into a proof of works. Answer with at most two "
    "lines, each '• <Scope>: item, item, item', naming the deliverables that took the most hours first. "
    "No preamble."
)


@dataclass(frozen=True)
class LLMSettings:
    base_url: str
    models: tuple[str, ...]
    api_key: str = field(default="", repr=False)
    temperature: float = 0.0
    max_tokens: int = 200
    timeout_s: float = 30.0
    concurrency: int = DEFAULT_CONCURRENCY


def llm_settings(table: Mapping[str, Any] | None, env: Mapping[str, str]) -> LLMSettings | None:
    """Settings from an ``[llm]`` table (base_url, models, timeout_s, concurrency) and the environment;
    None when there is no key or no model (the deterministic summarizer is used then)."""
    table = table or {}
    base_url = env.get("PAYDESK_LLM_BASE_URL") or table.get("base_url") or DEFAULT_LLM_BASE_URL
    models_raw: Any = env.get("PAYDESK_LLM_MODELS") or table.get("models") or ()
    if isinstance(models_raw, str):
        models_raw = models_raw.split(",")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ConfigError("[llm] base_url must start with http:// or https://")
    if not isinstance(models_raw, list | tuple) or not all(isinstance(m, str) for m in models_raw):
        raise ConfigError("[llm] models must be a list of model names")
    models = tuple(m.strip() for m in models_raw if m.strip())
    if "api_key" in table:
        raise ConfigError("[llm] must not hold the key; set PAYDESK_LLM_API_KEY in the environment")
    key = (env.get("PAYDESK_LLM_API_KEY") or env.get("OPENROUTER_API_KEY") or "").strip()
    timeout = table.get("timeout_s", 30.0)
    concurrency = table.get("concurrency", DEFAULT_CONCURRENCY)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError("[llm] timeout_s must be a number of seconds greater than 0")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 20:
        raise ConfigError("[llm] concurrency must be a whole number from 1 to 20")
    if not key or not models:
        return None
    return LLMSettings(base_url.rstrip("/"), models, key, timeout_s=float(timeout), concurrency=concurrency)


@dataclass(frozen=True)
class Attempt:
    model: str
    outcome: str  # "ok", "HTTP 503", "timeout", "no text in the answer", "connection failed (…)"


@dataclass(frozen=True)
class Completion:
    text: str | None  # None when every model failed
    model: str | None
    attempts: tuple[Attempt, ...]


class ChatClient:
    """Chat completions with model fallback. `complete` waits for a slot of the client's own limiter;
    cancelling it abandons the request in flight."""

    def __init__(self, settings: LLMSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.limiter = trio.CapacityLimiter(settings.concurrency)
        self.calls = 0

    def __repr__(self) -> str:
        return f"ChatClient({self.settings.base_url!r}, models={self.settings.models!r})"

    async def complete(self, messages: Sequence[Mapping[str, str]]) -> Completion:
        attempts: list[Attempt] = []
        async with self.limiter:
            for model in self.settings.models:
                outcome, text = await self._ask(model, messages)
                attempts.append(Attempt(model, outcome))
                if text is not None:
                    return Completion(text, model, tuple(attempts))
        return Completion(None, None, tuple(attempts))

    async def _ask(self, model: str, messages: Sequence[Mapping[str, str]]) -> tuple[str, str | None]:
        s = self.settings
        body = {
            "model": model,
            "messages": [dict(m) for m in messages],
            "temperature": s.temperature,
            "max_tokens": s.max_tokens,
        }
        headers = {"Authorization": f"Bearer {s.api_key}"}
        self.calls += 1
        answer: httpx.Response | None = None
        with trio.move_on_after(s.timeout_s):
            try:
                answer = await self.http.post(f"{s.base_url}/chat/completions", json=body, headers=headers)
            except httpx.TimeoutException:
                return "timeout", None
            except httpx.HTTPError as error:
                return f"connection failed ({type(error).__name__})", None
        if answer is None:
            return "timeout", None
        if answer.status_code != 200:
            return f"HTTP {answer.status_code}", None
        text = _text_of(answer)
        return ("ok", text) if text else ("no text in the answer", None)


def _text_of(answer: httpx.Response) -> str | None:
    try:
        data = answer.json()
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return content.strip() if isinstance(content, str) and content.strip() else None


@asynccontextmanager
async def open_chat_client(
    settings: LLMSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[ChatClient]:
    """A client with its own HTTP connection pool, closed on exit."""
    timeout = httpx.Timeout(settings.timeout_s)
    async with httpx.AsyncClient(timeout=timeout, transport=transport) as http:
        yield ChatClient(settings, http)


def prompt_for(scope: str, entries: Sequence[Entry]) -> str:
    lines = [f"Scope: {scope}", "Updates (hours: key deliverables):"]
    lines += [f"- {e.hours:g} h: {e.text.strip()}" for e in entries if e.text.strip()]
    return "\n".join(lines)


class LLMSummarizer:
    """A `Summarizer` over a `ChatClient`: the model's first two lines, or the raw text when all fail."""

    def __init__(self, client: ChatClient) -> None:
        self.client = client
        self.fallbacks = 0  # summaries that kept the raw text

    async def summarize(self, scope: str, entries: Sequence[Entry]) -> str:
        if not any(e.text.strip() for e in entries):
            return ""
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": prompt_for(scope, entries)},
        ]
        completion = await self.client.complete(messages)
        if completion.text is None:
            self.fallbacks += 1
            return raw_text(entries)
        lines = [line.strip() for line in completion.text.splitlines() if line.strip()]
        return "\n".join(lines[:MAX_LINES])
