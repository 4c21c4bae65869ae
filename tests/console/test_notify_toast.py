"""The console tells the operator when the engine told the webhook about a job that needs people, and when
it could not, by a toast naming the job and the webhook only as `http://host/***`."""

from __future__ import annotations

import dataclasses

import pytest

from console.app import PaydeskApp
from engine import Config
from engine.workspace.config import NotifySettings
from tests.console.conftest import MONTH, SIZE, ServedDemo, wait_until
from tests.engine.receiver import SECRET_PATH, refusing_url, serve_receiver


def notices(app: PaydeskApp) -> list[str]:
    return [line for line in app.journal if line.startswith("notice ")]


def with_webhook(config: Config | None, url: str) -> Config:
    assert config is not None
    quick = NotifySettings(webhook_url=url, attempts=2, base_delay_s=0.01, max_delay_s=0.02, limit_s=20)
    return dataclasses.replace(config, notify=quick)


@pytest.mark.asyncio
@pytest.mark.parametrize("reachable", [True, False])
async def test_a_notification_sent_or_failed_is_toasted_once_without_its_url(
    demo: ServedDemo, reachable: bool
) -> None:
    with serve_receiver() as receiver:
        url = receiver.url if reachable else refusing_url()
        app = PaydeskApp(demo.settings(offer_resume=False, config=with_webhook(demo.config, url)))
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: "engine started" in app.journal)
            await demo.faults(
                targeted=[{"create_in": demo.config.data_sources["payouts"], "status": 400, "count": 1}]
            )
            ids: list[str] = []
            app.send(
                lambda e: e.start("generate", {"type": "refund", "month": MONTH}),
                "run refunds",
                lambda answer: ids.append(answer.value),
            )
            await wait_until(pilot, lambda: bool(ids) and bool(notices(app)), limit_s=60)
            await pilot.pause()
            told = notices(app)
    host = url.split("/")[2]
    if reachable:
        assert told == [f"notice {ids[0]}: job {ids[0]}: http://{host}/*** was told"]
        assert [m["job_id"] for m in receiver.messages] == ids
    else:
        (line,) = told
        assert line.startswith(
            f"notice {ids[0]}: job {ids[0]}: could not tell http://{host}/***: cannot reach"
        )
        assert line.endswith("gave up after 2 attempts")
    assert all(SECRET_PATH not in line for line in app.journal)
