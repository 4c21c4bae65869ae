"""Every `paydesk … --help` explains itself: an operator who types `paydesk show --help` reads what `show`
does (argparse alone shows that line only in `paydesk --help`'s list) and what its JOB is."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.cli import build_parser, main
from eventlog import EventLog, JobCreated
from tests.eventlog.conftest import TickingClock


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path (`("show",)`, `("run", "commit")`, …) with the line its parent lists it by."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for listed in action._choices_actions:
                yield (*path, listed.dest)
                yield from commands(action.choices[listed.dest], (*path, listed.dest))


def parser_of(path: tuple[str, ...]) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = build_parser()
    for name in path:
        parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
    return parser


def listed_help(path: tuple[str, ...]) -> str:
    parent = parser_of(path[:-1])
    sub = next(a for a in parent._actions if isinstance(a, argparse._SubParsersAction))
    return next(listed.help or "" for listed in sub._choices_actions if listed.dest == path[-1])


def help_of(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*path, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


ALL = list(commands(build_parser()))


def test_the_commands_are_all_found() -> None:
    assert {("show",), ("run", "commit"), ("log", "copy"), ("sandbox", "serve"), ("demo",)} <= set(ALL)


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_each_commands_help_says_what_it_does_and_what_each_argument_is(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_of(path, capsys)
    _usage, _, body = text.partition("\n\n")
    first_word = listed_help(path).split()[0].casefold()
    assert body.split()[0].casefold().strip(".") == first_word, body  # the line it is listed by, or its own
    parser = parser_of(path)
    for action in parser._actions:  # each positional says what it is (a list of commands, per command)
        if not action.option_strings and not isinstance(action, argparse._SubParsersAction):
            assert action.help, f"{' '.join(path)} {action.metavar or action.dest} has no help"


def test_show_help_names_what_a_job_is(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(("show",), capsys)
    assert text.split("\n\n")[1].startswith("A job's items and steps with their outcomes.")
    assert "the job's id, as `paydesk jobs` lists it" in text


def test_show_heads_a_job_with_what_it_selects_not_its_stored_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "paydesk.sqlite"
    stored = {"month": "2026-12", "batch": 15, "contractor": None, "invoice_ids": None}
    with EventLog(db, clock=TickingClock()) as log:
        log.append(
            [JobCreated(job_id="job-1", operator="op", kind="commit", params=stored, selection_key="s")]
        )
        log.append(
            [JobCreated(job_id="job-2", operator="op", kind="commit", params={"month": 7}, selection_key="t")]
        )
    assert main(["--db", str(db), "show", "job-1"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == "job-1  interrupted  commit 2026-12 batch 15"  # created, and nobody runs it
    assert "null" not in header
    assert main(["--db", str(db), "show", "job-2"]) == 0  # parameters its kind no longer reads: as stored
    assert capsys.readouterr().out.splitlines()[0] == 'job-2  interrupted  commit {"month":7}'
