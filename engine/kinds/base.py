"""A job kind as one entry: what the engine and the command line need to plan, run and report a job of it.

A kind never imports another kind; what two kinds share lives in `engine.workspace` (record rules) or
`engine.run` (running and reporting any job). The registry is `engine.kinds.KINDS`.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import trio

from engine.run.jobs import JobSpec, Planner, run_job
from engine.run.notify import announce_end
from engine.run.progress import JobProgress
from engine.run.report import JobReport
from engine.run.runtime import Runtime
from engine.workspace.config import Config
from eventlog import EventLog

P = TypeVar("P")
S = TypeVar("S")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")  # not \d, which takes any Unicode digit
BATCHES = (1, 15)


class InvalidParams(ValueError):
    """A job's parameters are not acceptable; the message names the parameter and what it takes."""


def no_setup(config: Config, env: Mapping[str, str]) -> None:
    """A kind that needs nothing beyond its parameters and the workspace."""
    return None


def no_secrets(setup: object) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class JobKind(Generic[P, S]):
    """One kind of job (commit, generate, sync, …).

    - `params` reads and checks the parameters from a plain mapping: the command line's arguments, the
      console's form, or a job's stored parameters (`JobSpec.params`); `InvalidParams` says what is wrong.
    - `spec(params)` is the job's kind, stored parameters, selection and the data sources it checks;
      `planner(params, setup)` preloads and plans it.
    - `setup(config, environment)` is what the kind reads beyond its parameters before a job starts (sync:
      its LLM settings); it raises `ConfigError`. `secrets(setup)` are values the event log must refuse.
    - `summary(report, params)` is the result as JSON (`--json`), and `summary_text(report, summary)` the
      same in lines for a terminal; `title(params)` says what the job selects, in words.
    - `help`, `description` and `add_arguments` make its `paydesk run NAME` subcommand.
    """

    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    params: Callable[[Mapping[str, Any]], P]
    spec: Callable[[P], JobSpec]
    planner: Callable[[P, S], Planner]
    summary: Callable[[JobReport, P], dict[str, Any]]
    summary_text: Callable[[JobReport, dict[str, Any]], list[str]]
    title: Callable[[P], str]
    setup: Callable[[Config, Mapping[str, str]], S]
    secrets: Callable[[S], tuple[str, ...]]
    plans_only: bool = False  # its jobs are always dry runs (reconcile: an operator decides what is written)
    # A plans-only kind's answer to "may this plan be executed now?": why not yet (None: it may), read from
    # the log — reconcile's restoring writes wait for `paydesk reconcile --restore … --reason …`.
    undecided: Callable[[EventLog, str], str | None] | None = None

    def parse(self, given: Mapping[str, Any] | argparse.Namespace) -> P:
        """The parameters from a mapping or from the command line's parsed arguments."""
        return self.params(vars(given) if isinstance(given, argparse.Namespace) else given)

    async def run(
        self,
        rt: Runtime,
        params: P,
        setup: S,
        *,
        dry_run: bool = False,
        workers: int | None = None,
        cancel: trio.Event | None = None,
        job_id: str | None = None,
        progress: JobProgress | None = None,
        allow_over_limit: bool = False,
    ) -> JobReport:
        """Create, plan and (unless `dry_run`) execute a job of this kind (see `engine.run.jobs.run_job`).
        A kind that only plans (reconcile) announces what it found to the webhook (engine.run.notify)."""
        report = await run_job(
            rt,
            self.spec(params),
            self.planner(params, setup),
            dry_run=dry_run or self.plans_only,
            workers=workers,
            cancel=cancel,
            job_id=job_id,
            progress=progress,
            allow_over_limit=allow_over_limit,
        )
        if self.plans_only and report.plan is not None:
            announce_end(rt, report.job_id, drift=len(report.plan.items) + len(report.plan.skips))
        return report


# ---- reading parameters every kind takes -------------------------------------------------------------------


def month_param(params: Mapping[str, Any]) -> str:
    """The work month, `YYYY-MM` (surrounding blanks dropped)."""
    text = str(params.get("month") or "")
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidParams(
            f"--month must be YYYY-MM with a month from 01 to 12, e.g. 2026-01 (got {text!r})"
        )
    return text.strip()


def batch_param(params: Mapping[str, Any], *, required: bool) -> int | None:
    """The payday batch, 1 or 15 (None when not given and not `required`)."""
    value = params.get("batch")
    if value is None or value == "":
        if required:
            raise InvalidParams("--batch is required: 1 or 15")
        return None
    try:
        batch = int(value)
    except (TypeError, ValueError):
        batch = 0
    if batch not in BATCHES:
        raise InvalidParams(f"--batch must be 1 or 15 (got {value!r})")
    return batch


def full_name(text: str) -> str:
    """`--contractor`'s argument: a Full Name, never empty. Found walking: `--contractor "$NAME"` with
    $NAME empty planned every contractor's records, as if the option had been left out."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "empty: give a contractor's Full Name, or leave --contractor out to take every contractor"
        )
    return text


def contractor_param(params: Mapping[str, Any]) -> str | None:
    """A contractor's Full Name, or None for every contractor."""
    value = params.get("contractor")
    return str(value) if value is not None else None
