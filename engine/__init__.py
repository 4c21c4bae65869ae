"""paydesk's engine: trio, the Notion gateway, job kinds, planning, execution and recovery.

This is the engine's public face: the console and the command line import only what is named here.

- `Engine` / `open_engine`: a long-lived engine for a host that stays up (the console); `Engine.start(kind,
  params)` starts any kind of `KINDS`, `resume`, `retry`, `discard` and `cancel` work on jobs in the log.
- `KINDS`: every job kind by name (`JobKind`: its parameters, argparse arguments, spec, planner, summary).
- Headless (the command line): `open_runtime`, then `JobKind.run` / `run_job`, `resume_job`, `retry_job`,
  `discard_job`; `request_cancel` asks a job to stop from another process; `doctor` checks a workspace.
- Configuration: `load_config`, `Config`, `ConfigError`, `clamp_workers`, `parse_workers`.
- Reports: `JobReport` (`this_run`, `this_run_line`: a resume's or retry's own share), `JobProgress`,
  `PreloadFact`, `Plan`; display helpers `display_status`,
  `effective_status`, `describe_filter`, `TITLES`.
- Errors: `JobRefused` (a job could not run; nothing was written), `InvalidParams`, `ConfigError`,
  `LogLinked`, `NotionFailure`.

Modules: `engine.kinds` (one folder per kind), `engine.run` (running any job), `engine.notion` (the
gateway), `engine.workspace` (configuration, schema and the record rules kinds share), `engine.engine`.
"""

from engine.engine import Engine, EngineStatistics, RunningJob, open_engine, read_setups
from engine.kinds import KINDS, InvalidParams, JobKind, undecided
from engine.kinds.reconcile.decide import Decided, accept_findings, choose_restore
from engine.kinds.reconcile.history import History, HistoryLine, record_history
from engine.notion.failures import NotionFailure
from engine.notion.filter_text import describe_filter
from engine.run.binding import Binding, NotBound, Owner, bind_workspace
from engine.run.job_page import NoSuchJob, job_page
from engine.run.jobs import JobRefused, JobSpec, Planner, check_workspace, doctor, new_job_id, run_job
from engine.run.ledger import COLUMNS as LEDGER_COLUMNS
from engine.run.ledger import Ledger, build_ledger
from engine.run.ledger import summary_lines as ledger_summary
from engine.run.locks import LogLinked, effective_status
from engine.run.plan import Item, Plan, Skip, Step
from engine.run.preload import PreloadFact
from engine.run.progress import JobProgress
from engine.run.recovery import (
    discard_job,
    display_status,
    plan_refusal,
    request_cancel,
    resume_job,
    retry_job,
    steps_left,
)
from engine.run.report import JobReport, item_name, shown_value, this_run, this_run_line, why_nothing
from engine.run.runtime import Runtime, current_operator, open_runtime
from engine.workspace.config import (
    DEFAULT_PLAN_MAX_AGE,
    Config,
    ConfigError,
    NotionSettings,
    clamp_workers,
    load_config,
    parse_workers,
)
from engine.workspace.money import OverLimit, over_limits, totals_text
from engine.workspace.money import amount as exact_amount
from engine.workspace.money import text as amount_text
from engine.workspace.schema import TITLES

__all__ = [
    "DEFAULT_PLAN_MAX_AGE",
    "KINDS",
    "LEDGER_COLUMNS",
    "TITLES",
    "Binding",
    "Config",
    "ConfigError",
    "Decided",
    "Engine",
    "EngineStatistics",
    "History",
    "HistoryLine",
    "InvalidParams",
    "Item",
    "JobKind",
    "JobProgress",
    "JobRefused",
    "JobReport",
    "JobSpec",
    "Ledger",
    "LogLinked",
    "NoSuchJob",
    "NotBound",
    "NotionFailure",
    "NotionSettings",
    "OverLimit",
    "Owner",
    "Plan",
    "Planner",
    "PreloadFact",
    "RunningJob",
    "Runtime",
    "Skip",
    "Step",
    "accept_findings",
    "amount_text",
    "bind_workspace",
    "build_ledger",
    "check_workspace",
    "choose_restore",
    "clamp_workers",
    "current_operator",
    "describe_filter",
    "discard_job",
    "display_status",
    "doctor",
    "effective_status",
    "exact_amount",
    "item_name",
    "job_page",
    "ledger_summary",
    "load_config",
    "new_job_id",
    "open_engine",
    "open_runtime",
    "over_limits",
    "parse_workers",
    "plan_refusal",
    "read_setups",
    "record_history",
    "request_cancel",
    "resume_job",
    "retry_job",
    "run_job",
    "shown_value",
    "steps_left",
    "this_run",
    "this_run_line",
    "totals_text",
    "undecided",
    "why_nothing",
]
