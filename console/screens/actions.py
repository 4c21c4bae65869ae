"""Every operator action with its key, for the bindings, the `?` help and the command palette.

Actions that write (move money, or change what the engine does) never sit on a single unmodified key,
and a read-only console refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSpec:
    key: str
    action: str
    title: str
    help: str
    writes: bool = False
    where: str = "app"  # "app", or the screen class name that offers it


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("j", "show_jobs", "Jobs", "the list of jobs, live"),
    ActionSpec("l", "show_log", "Log", "a live tail of the event log with filters"),
    ActionSpec(
        "n", "new_job", "New job", "plan a job (dry run), read the plan, then confirm it", writes=True
    ),
    ActionSpec("e", "export", "Export", "export the log, a job or a range as JSONL or CSV to a file"),
    ActionSpec("v", "verify", "Verify the chain", "recompute the hash chain of the whole log"),
    ActionSpec("R", "replay", "Replay check", "rebuild every projection from event 1 and compare"),
    ActionSpec("?", "help", "Help", "this list of actions and keys"),
    ActionSpec("ctrl+q", "quit", "Quit", "leave; a running job is recorded as interrupted (resumable)"),
    ActionSpec("/", "filter", "Filter jobs", "filter the jobs by any text", where="JobsScreen"),
    ActionSpec("enter", "open", "Open job", "the job's items and cascade", where="JobsScreen"),
    ActionSpec(
        "ctrl+e", "resume", "Resume job", "finish the job, or execute its dry-run plan", True, "JobsScreen"
    ),
    ActionSpec("ctrl+k", "cancel", "Cancel job", "ask the job to stop (resumable)", True, "JobsScreen"),
    ActionSpec(
        "ctrl+d", "discard", "Discard plan", "throw away a dry run's plan nobody executed", True, "JobsScreen"
    ),
    ActionSpec(
        "ctrl+r",
        "retry",
        "Retry failed items",
        "retry the job's failed and blocked items",
        True,
        "JobsScreen",
    ),
    ActionSpec(
        "f", "cycle_filter", "Filter by outcome", "all, failed, blocked, succeeded, …", where="JobScreen"
    ),
    ActionSpec("space", "mark", "Mark item", "mark or unmark the item for a retry", where="JobScreen"),
    ActionSpec("enter", "open", "Open item", "the item's event timeline", where="JobScreen"),
    ActionSpec(
        "ctrl+r", "retry", "Retry items", "retry one, the marked, or all failed items", True, "JobScreen"
    ),
    ActionSpec(
        "ctrl+e", "resume", "Resume job", "finish the job, or execute its dry-run plan", True, "JobScreen"
    ),
    ActionSpec("ctrl+k", "cancel", "Cancel job", "ask the job to stop (resumable)", True, "JobScreen"),
    ActionSpec(
        "ctrl+d", "discard", "Discard plan", "throw away a dry run's plan nobody executed", True, "JobScreen"
    ),
    ActionSpec(
        "ctrl+r", "retry", "Retry this item", "retry this item's failed and blocked steps", True, "ItemScreen"
    ),
    ActionSpec(  # writes no record: a dry run only plans (in the log); a read-only console offers none
        "f5",
        "plan",
        "Plan (dry run)",
        "plan the job: preload it and list every write; nothing is written to Notion",
        True,
        "NewJobScreen",
    ),
    ActionSpec(
        "ctrl+e",
        "execute",
        "Execute this plan",
        "run exactly the plan shown, after a confirmation naming its writes and money",
        True,
        "NewJobScreen",
    ),
    ActionSpec("f6", "sort", "Sort the plan", "as planned, by contractor, by amount", where="NewJobScreen"),
    ActionSpec(
        "ctrl+f", "search", "Search the plan", "by contractor, invoice id or source", where="NewJobScreen"
    ),
    ActionSpec("escape", "back", "Back", "the previous screen", where="screen"),
)


def actions_for(screen_name: str) -> list[ActionSpec]:
    return [a for a in ACTIONS if a.where in ("app", screen_name) or (a.where == "screen" and screen_name)]


def help_text(screen_name: str, read_only: bool) -> str:
    lines = []
    for spec in actions_for(screen_name):
        note = "  (read-only: off)" if spec.writes and read_only else ""
        lines.append(f"[b]{spec.key:>8}[/b]  {spec.title}: {spec.help}{note}")
    return "\n".join(lines)
