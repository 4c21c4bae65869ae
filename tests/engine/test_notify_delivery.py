"""Delivering a message under trio's autojump clock to an in-process receiver: 5xx and 429 are retried with
growing, jittered waits (Retry-After respected), a refusal is not, and a delivery gives up after its attempts
or its time limit, saying why."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import httpx
import pytest
import trio
import trio.testing

from engine.run.notify import Delivery, deliver
from engine.workspace.config import NotifySettings
from tests.engine.receiver import SECRET_PATH, Answer

pytestmark = pytest.mark.trio

URL = f"https://hooks.slack.com{SECRET_PATH}"


class Script:
    """An ASGI webhook that answers from a list and notes the (virtual) time of each request."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.times: list[float] = []
        self.bodies: list[Any] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body, more = b"", True
        while more:
            part = await receive()
            body, more = body + part.get("body", b""), part.get("more_body", False)
        self.times.append(trio.current_time())
        self.bodies.append(json.loads(body))
        answer = self.answers.pop(0) if self.answers else Answer()
        if answer.hold:
            await trio.sleep_forever()
        headers = [(k.lower().encode(), v.encode()) for k, v in answer.headers]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body.encode()})


async def post(script: Script, **settings: Any) -> Delivery:
    policy = NotifySettings(webhook_url=URL, **settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=script)) as client:
        return await deliver(client, URL, {"text": "hello"}, policy, rand=random.Random(3))


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


async def test_two_5xx_then_200_is_delivered_at_the_third_attempt_after_growing_waits(
    autojump_clock: trio.testing.MockClock,
) -> None:
    script = Script(Answer(500, "oops"), Answer(503), Answer(200, "ok"))
    done = await post(script, base_delay_s=1.0, max_delay_s=8.0)
    assert (done.delivered, done.attempts, done.http_status, done.answer) == (True, 3, 200, "ok")
    first, second = gaps(script.times)
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0
    assert script.bodies == [{"text": "hello"}] * 3


async def test_a_429_waits_exactly_what_its_retry_after_asks(autojump_clock: trio.testing.MockClock) -> None:
    script = Script(Answer(429, "slow down", (("Retry-After", "7"),)), Answer(200))
    done = await post(script)
    assert done.delivered and done.attempts == 2
    assert gaps(script.times) == [pytest.approx(7.0)]


async def test_a_retry_after_past_the_limit_gives_up_at_once_saying_so(
    autojump_clock: trio.testing.MockClock,
) -> None:
    start = trio.current_time()
    done = await post(Script(Answer(429, "later", (("Retry-After", "120"),))), limit_s=30)
    assert not done.delivered and done.attempts == 1 and done.http_status == 429 and done.answer == "later"
    assert done.reason == "the webhook answered HTTP 429; it asked to wait 120 s, past the 30 s limit"
    assert trio.current_time() == start


async def test_a_refusal_is_not_retried(autojump_clock: trio.testing.MockClock) -> None:
    done = await post(Script(Answer(404, "no_service")))
    assert (done.delivered, done.attempts, done.http_status, done.answer) == (False, 1, 404, "no_service")
    assert done.reason == "the webhook refused the message (HTTP 404)"


async def test_a_webhook_failing_every_time_is_tried_attempts_times(
    autojump_clock: trio.testing.MockClock,
) -> None:
    script = Script(*[Answer(502, "bad gateway")] * 9)
    done = await post(script, attempts=5, base_delay_s=0.5, max_delay_s=2.0, limit_s=60)
    assert not done.delivered and done.attempts == 5 and len(script.times) == 5
    assert done.reason == "the webhook answered HTTP 502; gave up after 5 attempts"


async def test_a_receiver_that_never_answers_is_given_up_on_after_the_limit(
    autojump_clock: trio.testing.MockClock,
) -> None:
    start = trio.current_time()
    done = await post(Script(Answer(hold=True)), limit_s=30)
    assert not done.delivered and done.attempts == 1
    assert done.reason == "no answer; gave up after 30 s"
    assert trio.current_time() - start == pytest.approx(30.0)
