"""Secrets never enter the log: refused by key name and by configured value, and never in a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventlog import EventLog, GroupCommitWriter, ItemPlanned, JobCreated, SecretRejected, StepSucceeded
from tests.eventlog.eventlog_histories import OP, small_history

TOKEN = "secret_Zq8vN3xKp2LmT7wR"


def _job(**params: object) -> JobCreated:
    return JobCreated(job_id="j", operator=OP, kind="commit", params=dict(params), selection_key="s")


@pytest.mark.parametrize(
    "params",
    [
        {"token": "x"},
        {"Authorization": "Bearer x"},
        {"NOTION_TOKEN": "x"},
        {"api_key": "x"},
        {"ApiKey": "x"},
        {"headers": {"authorization": "x"}},
        {"accounts": [{"name": "a", "password": "x"}]},
        {"client_secret": "x"},
    ],
)
def test_payload_keys_that_look_like_secrets_are_refused_at_any_depth(
    log_path: Path, params: dict[str, object]
) -> None:
    with EventLog(log_path) as log:
        with pytest.raises(SecretRejected, match="looks like a secret"):
            log.append([_job(**params)])
        assert log.head().seq == 0


def test_ordinary_keys_that_merely_contain_key_are_accepted(log_path: Path) -> None:
    with EventLog(log_path) as log:
        log.append([_job(selection_key="s", item_keys=["a"], month="2025-01")])
        assert log.head().seq == 1


@pytest.mark.parametrize(
    "event",
    [
        _job(note=f"token is {TOKEN}"),
        JobCreated(job_id=f"job-{TOKEN}", operator=OP, kind="commit", params={}, selection_key="s"),
        ItemPlanned(
            job_id="j", operator=OP, item_key="i", label="l", kind="k", data={"deep": [{"v": TOKEN}]}
        ),
        StepSucceeded(job_id="j", operator=OP, item_key="i", step_key="s", value=f'say "{TOKEN}"'),
    ],
)
def test_an_event_containing_a_configured_secret_value_is_refused_without_echoing_it(
    log_path: Path, event: JobCreated
) -> None:
    with EventLog(log_path, secrets={TOKEN}) as log:
        with pytest.raises(SecretRejected, match="configured secret value") as caught:
            log.append([event])
        assert TOKEN not in str(caught.value)
        assert log.head().seq == 0


def test_a_secret_with_json_special_characters_is_caught_in_its_escaped_form(log_path: Path) -> None:
    secret = 'ab"c\\d\nef'
    with EventLog(log_path, secrets={secret}) as log, pytest.raises(SecretRejected):
        log.append([_job(note=f"x{secret}y")])


def test_no_configured_secret_value_ever_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    attempts = [
        _job(note=TOKEN),
        _job(headers={"Authorization": f"Bearer {TOKEN}"}),
        JobCreated(job_id=TOKEN, operator=OP, kind="commit", params={}, selection_key="s"),
    ]
    with GroupCommitWriter(path, secrets={TOKEN}) as writer:
        refused = [writer.submit([event]) for event in attempts]
        accepted = writer.submit(small_history())
        assert all(isinstance(f.exception(), SecretRejected) for f in refused)
        assert len(accepted.result()) == len(small_history())
        files = sorted(tmp_path.iterdir())
        assert any(f.name.endswith("-wal") for f in files)
        for file in files:  # the db and its WAL while open …
            assert TOKEN.encode() not in file.read_bytes()
    for file in tmp_path.iterdir():  # … and after the final checkpoint
        assert TOKEN.encode() not in file.read_bytes()
