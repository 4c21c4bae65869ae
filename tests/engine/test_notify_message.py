"""The message a job's end makes (pure): who ran which job, how it ended, its counts and what to do, with the
fields scripts read; which ends need people; the retry policy's waits; the URL kept out of what is shown."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.run.notify import backoff, build_message, needs_people, retry_after, scrubbed
from engine.workspace.config import ConfigError, NotifySettings, config_from_mapping
from eventlog import ChainHead, JobRow
from tests.engine.receiver import SECRET_PATH

URL = f"https://hooks.slack.com{SECRET_PATH}"


def ended(**changes: Any) -> JobRow:
    row = JobRow(
        job_id="commit-20260120-101010-ab12",
        kind="commit",
        operator="alice",
        status="completed_with_failures",
        items_failed=2,
        items_blocked=1,
        items_succeeded=12,
        totals='{"USD":"5145.00","VND":"18700000"}',
        finished_at="2026-01-20T10:10:10.123456Z",
    )
    return dataclasses.replace(row, **changes)


# ---- the message -------------------------------------------------------------------------------------------


def test_a_job_with_failures_is_told_in_two_lines_with_its_counts_and_what_to_do() -> None:
    message = build_message(ended(), ChainHead(321, "ab" * 32))
    assert message["text"].splitlines() == [
        "paydesk: commit job `commit-20260120-101010-ab12` run by alice ended with failures: 2 failed, "
        "1 blocked, 12 succeeded (the plan moves USD 5,145.00 + VND 18,700,000).",
        "Fix the cause, then `paydesk retry commit-20260120-101010-ab12` "
        "(`paydesk show commit-20260120-101010-ab12` says why).",
    ]
    assert {k: v for k, v in message.items() if k != "text"} == {
        "job_id": "commit-20260120-101010-ab12",
        "kind": "commit",
        "status": "completed_with_failures",
        "operator": "alice",
        "counts": {"failed": 2, "blocked": 1, "in_doubt": 0, "succeeded": 12, "skipped": 0, "drift": 0},
        "totals": {"USD": "5145.00", "VND": "18700000"},
        "error": None,
        "chain_head": {"seq": 321, "hash": "ab" * 32},
        "finished_at": "2026-01-20T10:10:10.123456Z",
    }


def test_a_failed_job_says_its_error_and_drift_says_where_to_read_it() -> None:
    error = "Notion refused the integration token (HTTP 401 unauthorized); set a valid NOTION_TOKEN"
    failed = build_message(
        ended(status="failed", items_failed=0, items_blocked=0, error=error), ChainHead(9, "")
    )
    assert failed["text"].splitlines()[1] == error
    drifted = build_message(
        ended(status="completed", items_failed=0, items_blocked=0), ChainHead(9, ""), drift=3
    )
    assert "3 drift" in drifted["text"] and "`paydesk show commit-" in drifted["text"]
    assert drifted["counts"]["drift"] == 3


def test_only_failures_blocked_items_a_failed_job_or_drift_need_people() -> None:
    assert needs_people("completed_with_failures") and needs_people("failed")
    assert needs_people("completed", drift=1)
    for status in ("completed", "cancelled", "interrupted", "planned", "discarded"):
        assert not needs_people(status), status


def test_names_in_the_text_cannot_become_slack_mentions_or_links() -> None:
    message = build_message(ended(operator="<!channel> & co"), ChainHead(1, ""))
    assert "&lt;!channel&gt; &amp; co" in message["text"] and "<!channel>" not in message["text"]
    assert message["operator"] == "<!channel> & co"  # the structured field is the plain value


# ---- retry policy, pure ---------------------------------------------------------------------------------


def test_backoff_doubles_up_to_its_cap_with_jitter_in_its_upper_half() -> None:
    settings = NotifySettings(webhook_url=URL, base_delay_s=1.0, max_delay_s=8.0)
    rand = random.Random(4)
    for attempt, cap in enumerate((1.0, 2.0, 4.0, 8.0, 8.0, 8.0), start=1):
        waits = {backoff(attempt, settings, rand) for _ in range(50)}
        assert all(cap / 2 <= w <= cap for w in waits) and len(waits) > 1, attempt


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    now = datetime(2026, 1, 20, 10, 0, 0, tzinfo=UTC)
    assert retry_after("7", now) == 7.0
    assert retry_after("Tue, 20 Jan 2026 10:00:30 GMT", now) == 30.0
    assert retry_after("Tue, 20 Jan 2026 09:00:00 GMT", now) == 0.0
    assert retry_after(None) is None and retry_after("soon") is None and retry_after(" ") is None


def test_the_url_and_its_secret_path_are_scrubbed_from_what_is_recorded() -> None:
    said = f"POST {URL} failed; path {SECRET_PATH}; host hooks.slack.com{SECRET_PATH}"
    assert scrubbed(said, URL) == (
        "POST https://hooks.slack.com/*** failed; path https://hooks.slack.com/***; "
        "host https://hooks.slack.com/***"
    )


def test_the_configuration_reads_notify_and_never_shows_the_url() -> None:
    raw: dict[str, Any] = {
        "data_sources": {name: f"ds-{name}" for name in ("contractors", "rates", "deployments", "projects")}
        | {name: f"ds-{name}" for name in ("updates", "orders", "splits", "refunds", "payouts", "payables")},
        "notify": {"webhook_url": URL, "attempts": 3, "limit_s": 12},
    }
    env = {"NOTION_TOKEN": "secret_t"}
    config = config_from_mapping(raw, env)
    assert config.notify == NotifySettings(webhook_url=URL, attempts=3, limit_s=12.0)
    assert SECRET_PATH not in repr(config)
    other = "https://hooks.slack.com/services/OTHER/ONE/x"
    assert config_from_mapping(raw, {**env, "PAYDESK_WEBHOOK_URL": other}).notify.webhook_url == other
    with pytest.raises(ConfigError) as bad:
        config_from_mapping({**raw, "notify": {"webhook_url": f"hooks.slack.com{SECRET_PATH}"}}, env)
    assert SECRET_PATH not in str(bad.value) and "[notify] webhook_url" in str(bad.value)
    assert config_from_mapping({k: v for k, v in raw.items() if k != "notify"}, env).notify.webhook_url == ""
