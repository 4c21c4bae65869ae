"""The chat-completions client and summarizer against the sandbox's stub (in process, autojump clock):
model fallback, raw text when every model fails, the 30 s timeout, its own concurrency, a secret key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import trio
import trio.testing

from engine.kinds.sync.llm import ChatClient, LLMSettings, LLMSummarizer, llm_settings, open_chat_client
from engine.kinds.sync.summarize import Entry
from engine.workspace.config import ConfigError
from sandbox.completions import CompletionsStub

pytestmark = pytest.mark.trio

KEY = "sk-or-very-secret"
ENTRIES = [Entry("login; api", 3), Entry("api", 2)]
MESSAGES = [{"role": "user", "content": "Scope: Apollo\n- 3 h: login"}]


@asynccontextmanager
async def client_for(stub: CompletionsStub, *models: str, concurrency: int = 4) -> AsyncIterator[ChatClient]:
    settings = LLMSettings("http://llm.local/_sandbox/llm/v1", models, KEY, concurrency=concurrency)
    async with open_chat_client(settings, transport=httpx.ASGITransport(app=stub)) as client:
        yield client


async def test_the_first_model_answers_at_temperature_zero_with_at_most_200_tokens() -> None:
    stub = CompletionsStub(api_key=KEY)
    async with client_for(stub, "alpha", "beta") as client:
        completion = await client.complete(MESSAGES)
    assert (completion.text, completion.model) == ("• alpha: Scope: Apollo", "alpha")
    assert stub.calls == [{"model": "alpha", "outcome": "ok", "temperature": 0.0, "max_tokens": 200}]


@pytest.mark.parametrize("failure", [500, 429, "empty", "garbage"])
async def test_a_failing_model_hands_over_to_the_next(failure: Any) -> None:
    stub = CompletionsStub(failures={"alpha": failure})
    async with client_for(stub, "alpha", "beta") as client:
        completion = await client.complete(MESSAGES)
    assert completion.model == "beta" and completion.text == "• beta: Scope: Apollo"
    assert [a.model for a in completion.attempts] == ["alpha", "beta"]
    assert completion.attempts[1].outcome == "ok" and completion.attempts[0].outcome != "ok"


async def test_when_every_model_fails_the_summary_keeps_the_raw_text() -> None:
    stub = CompletionsStub(failures={"alpha": 503, "beta": "empty"})
    async with client_for(stub, "alpha", "beta") as client:
        summarizer = LLMSummarizer(client)
        assert await summarizer.summarize("Apollo", ENTRIES) == "login; api\napi"
    assert summarizer.fallbacks == 1 and [c["model"] for c in stub.calls] == ["alpha", "beta"]


async def test_a_model_that_never_answers_is_given_30_seconds(autojump_clock: trio.testing.MockClock) -> None:
    stub = CompletionsStub(failures={"slow": "timeout"})
    async with client_for(stub, "slow", "beta") as client:
        start = trio.current_time()
        completion = await client.complete(MESSAGES)
        waited = trio.current_time() - start
    assert 30.0 <= waited < 31.0
    assert [(a.model, a.outcome) for a in completion.attempts] == [("slow", "timeout"), ("beta", "ok")]


async def test_the_client_runs_on_its_own_limiter(autojump_clock: trio.testing.MockClock) -> None:
    stub = CompletionsStub(failures={"slow": "timeout"})
    async with client_for(stub, "slow", concurrency=2) as client, trio.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(client.complete, MESSAGES)
        await trio.sleep(1)
        assert len(stub.calls) == 2  # the other three wait for a slot of this client only
        assert client.limiter.borrowed_tokens == 2
    assert len(stub.calls) == 5


async def test_a_wrong_key_is_a_failure_that_never_shows_the_key() -> None:
    stub = CompletionsStub(api_key="another-key")
    async with client_for(stub, "alpha") as client:
        completion = await client.complete(MESSAGES)
        shown = repr(client) + repr(client.settings) + repr(completion)
    assert completion.text is None and completion.attempts[0].outcome == "HTTP 401"
    assert KEY not in shown


async def test_the_summary_keeps_at_most_two_lines_and_nothing_to_say_costs_no_call() -> None:
    stub = CompletionsStub()
    async with client_for(stub, "alpha") as client:
        summarizer = LLMSummarizer(client)
        assert await summarizer.summarize("Apollo", [Entry("  ", 4)]) == ""
        assert stub.calls == []
        assert await summarizer.summarize("Apollo", ENTRIES) == "• alpha: Scope: Apollo"


async def test_settings_come_from_the_table_and_the_environment_and_the_key_only_from_the_environment() -> (
    None
):
    env = {"PAYDESK_LLM_API_KEY": KEY, "PAYDESK_LLM_MODELS": "a/one, b/two"}
    settings = llm_settings({"base_url": "https://llm.example/v1/", "timeout_s": 12}, env)
    assert settings is not None
    assert (settings.base_url, settings.models, settings.timeout_s) == (
        "https://llm.example/v1",
        ("a/one", "b/two"),
        12.0,
    )
    assert (settings.temperature, settings.max_tokens) == (0.0, 200)
    assert KEY not in repr(settings)
    assert llm_settings({"models": ["a"]}, {}) is None  # no key: the builtin summarizer is used
    assert llm_settings({"models": ["a"]}, {"OPENROUTER_API_KEY": "k"}) is not None
    with pytest.raises(ConfigError, match="PAYDESK_LLM_API_KEY"):
        llm_settings({"api_key": KEY, "models": ["a"]}, {})
    with pytest.raises(ConfigError, match="concurrency"):
        llm_settings({"concurrency": 0}, env)


async def test_the_stubs_failures_are_checked_set_and_reset_over_http() -> None:
    stub = CompletionsStub()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=stub), base_url="http://llm.local"
    ) as http:
        bad = await http.post("/_sandbox/llm/config", json={"failures": {"x": "sometimes"}})
        assert bad.status_code == 400
        assert (await http.post("/_sandbox/llm/config", json={"failures": {"x": 502}})).json()[
            "failures"
        ] == {"x": 502}
        await http.post("/_sandbox/llm/reset")
        assert (await http.get("/_sandbox/llm/config")).json()["failures"] == {}
