"""The registry of job kinds: one entry per kind, each reading its parameters from a plain mapping or the
command line's arguments and saying clearly what it cannot accept."""

from __future__ import annotations

import argparse

import pytest

from engine.kinds import KINDS, InvalidParams
from engine.kinds.commit.params import CommitParams
from engine.kinds.generate.params import GenerateParams
from engine.kinds.sync.params import SyncParams
from engine.workspace.config import Config, NotionSettings


def test_the_registry_holds_its_kinds_under_their_own_names() -> None:
    assert list(KINDS) == ["commit", "generate", "sync", "reconcile"]
    assert all(kind.name == name for name, kind in KINDS.items())


def test_a_stored_job_s_parameters_read_back_as_the_same_parameters() -> None:
    params = CommitParams(month="2026-01", batch=15, today="2026-01-20", contractor="Ann", invoice_ids=("A",))
    commit = KINDS["commit"]
    assert commit.parse(commit.spec(params).params) == params
    generate = KINDS["generate"]
    payroll = GenerateParams(type="payroll", month="2026-01", batch=1, contractor=None)
    assert generate.parse(generate.spec(payroll).params) == payroll
    sync = KINDS["sync"]
    forced = SyncParams(month="2026-01", batch=None, contractor="Bo", force=True, hours_only=True)
    assert sync.parse(sync.spec(forced).params) == forced


def test_command_line_arguments_are_read_as_parameters() -> None:
    args = argparse.Namespace(month=" 2026-02 ", batch=1, contractor=None, invoice_ids="A, B,,", json=True)
    params = KINDS["commit"].parse(args)
    assert (params.month, params.batch, params.invoice_ids) == ("2026-02", 1, ("A", "B"))


@pytest.mark.parametrize(
    ("kind", "given", "message"),
    [
        ("commit", {"month": "2026-13", "batch": 15}, "--month must be YYYY-MM with a month from 01 to 12"),
        ("commit", {"month": "2026-01"}, "--batch is required: 1 or 15"),
        ("sync", {"month": "2026-01", "batch": 7}, "--batch must be 1 or 15 (got 7)"),
        ("generate", {"month": "2026-01", "type": "bonus"}, "unknown payout type 'bonus'"),
    ],
)
def test_parameters_a_kind_cannot_take_are_refused_naming_them(
    kind: str, given: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidParams, match=message.replace("(", r"\(").replace(")", r"\)")):
        KINDS[kind].parse(given)


def test_only_sync_reads_a_setup_with_a_secret_from_the_environment() -> None:
    config = Config(notion=NotionSettings(), data_sources={}, llm={"models": ["m"]})
    env = {"PAYDESK_LLM_API_KEY": "sk-test"}
    secrets = {name: kind.secrets(kind.setup(config, env)) for name, kind in KINDS.items()}
    assert secrets == {"commit": (), "generate": (), "sync": ("sk-test",), "reconcile": ()}
