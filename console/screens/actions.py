"""Every operator action with its key, defined once: the bindings of the app, of each screen and of the
lists are made from it (`bindings`), and so are the `?` help and the command palette.

Actions that write (move money, or change what the engine does) never sit on a single unmodified key,
and a read-only console refuses them. In every list, j and k move down and up as in k9s or lazygit.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

_BINDING_KEYS = {  # what the operator reads -> Textual's key name
    "?": "question_mark",
    "/": "slash",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "{": "left_curly_bracket",
    "}": "right_curly_bracket",
}


@dataclass(frozen=True)
class ActionSpec:
    key: str
    action: str
    title: str
    help: str
    writes: bool = False
    where: str = "app"  # "app", "screen" (every screen), "list" (every list), or a screen class name
    short: str = ""  # the key bar's word for it (its title when empty)
    show: bool = True  # shown in the key bar
    priority: bool = False  # taken before the focused widget's own use of the key (an input's ctrl+e)
    palette: bool = True  # offered in the command palette

    @property
    def binding(self) -> Binding:
        return Binding(
            _BINDING_KEYS.get(self.key, self.key),
            self.action,
            self.short or self.title,
            show=self.show,
            priority=self.priority,
        )


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("g", "show_jobs", "Jobs", "go to the list of jobs, live"),
    ActionSpec("l", "show_log", "Log", "a live tail of the event log with filters"),
    ActionSpec(
        "n", "new_job", "New job", "plan a job (dry run), read the plan, then confirm it", writes=True
    ),
    ActionSpec("e", "export", "Export", "export the log, a job or a range as JSONL or CSV to a file"),
    ActionSpec(
        "p",
        "report",
        "Job report",
        "the job shown as one self-contained HTML page (totals, outcomes, failures, a chart), beside the log",
        short="Report",
    ),
    ActionSpec(
        "v", "verify", "Verify the chain", "recompute the hash chain of the whole log", short="Verify"
    ),
    ActionSpec(
        "R", "replay", "Replay check", "rebuild every projection from event 1 and compare", show=False
    ),
    ActionSpec("?", "help", "Help", "this list of actions and keys"),
    ActionSpec(
        "ctrl+q",
        "quit",
        "Quit",
        "leave; asked first while a job runs here, then recorded as interrupted (resumable)",
    ),
    ActionSpec(
        "/", "filter", "Filter jobs", "filter the jobs by any text", where="JobsScreen", short="Filter"
    ),
    ActionSpec(
        "escape", "clear_filter", "Clear filter", "show every job again", where="JobsScreen", show=False
    ),
    ActionSpec("enter", "open", "Open job", "the job's items and cascade", where="JobsScreen", show=False),
    ActionSpec(
        "ctrl+e",
        "resume",
        "Resume job",
        "finish the job, or execute its dry-run plan",
        True,
        "JobsScreen",
        short="Resume",
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
        short="Retry",
    ),
    ActionSpec(
        "f",
        "cycle_filter",
        "Filter by outcome",
        "all, failed, blocked, succeeded, …",
        where="JobScreen",
        short="Outcome filter",
    ),
    ActionSpec(
        "space", "mark", "Mark item", "mark or unmark the item for a retry", where="JobScreen", short="Mark"
    ),
    ActionSpec("enter", "open", "Open item", "the item's event timeline", where="JobScreen", show=False),
    ActionSpec(
        "ctrl+r",
        "retry",
        "Retry items",
        "retry one, the marked, or all failed items",
        True,
        "JobScreen",
        short="Retry",
    ),
    ActionSpec(
        "ctrl+e",
        "resume",
        "Resume job",
        "finish the job, or execute its dry-run plan",
        True,
        "JobScreen",
        short="Resume",
    ),
    ActionSpec("ctrl+k", "cancel", "Cancel job", "ask the job to stop (resumable)", True, "JobScreen"),
    ActionSpec(
        "ctrl+d", "discard", "Discard plan", "throw away a dry run's plan nobody executed", True, "JobScreen"
    ),
    ActionSpec(
        "t",
        "time_travel",
        "Time travel",
        "the job as it was after each of its events, rebuilt from the log: [ ] one event back or forward, "
        "{ } ten; t or escape returns to live (nothing can be written meanwhile)",
        where="JobScreen",
    ),
    ActionSpec(
        "[",
        "step_back",
        "One event back",
        "the job as it was one event earlier",
        where="JobScreen",
        show=False,
    ),
    ActionSpec(
        "]",
        "step_forward",
        "One event on",
        "the job as it was one event later",
        where="JobScreen",
        show=False,
    ),
    ActionSpec(
        "{",
        "leap_back",
        "Ten events back",
        "the job as it was ten events earlier",
        where="JobScreen",
        show=False,
    ),
    ActionSpec(
        "}",
        "leap_forward",
        "Ten events on",
        "the job as it was ten events later",
        where="JobScreen",
        show=False,
    ),
    ActionSpec(
        "ctrl+r", "retry", "Retry this item", "retry this item's failed and blocked steps", True, "ItemScreen"
    ),
    ActionSpec(
        "h",
        "history",
        "Record history",
        "everything paydesk ever did to this record across all jobs, and the last reconcile's finding",
        where="ItemScreen",
        short="History",
    ),
    ActionSpec(
        "enter",
        "show_event",
        "Event in full",
        "the selected event with every field (Notion's full message)",
        where="ItemScreen",
        show=False,
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
        short="Execute plan",
        priority=True,  # before the inputs' "end of line"
    ),
    ActionSpec(
        "f6",
        "sort",
        "Sort the plan",
        "as planned, by contractor, by amount",
        where="NewJobScreen",
        short="Sort",
    ),
    ActionSpec(
        "ctrl+f",
        "search",
        "Search the plan",
        "by contractor, invoice id or source",
        where="NewJobScreen",
        short="Search",
    ),
    ActionSpec("escape", "back", "Back", "the previous screen", where="screen"),
    ActionSpec("j", "cursor_down", "Down", "the next row of a list", where="list", show=False, palette=False),
    ActionSpec("k", "cursor_up", "Up", "the previous row of a list", where="list", show=False, palette=False),
)


WRITING = frozenset(spec.action for spec in ACTIONS if spec.writes)
"""The actions that write (or start what writes): a read-only console offers none of them."""


def bindings(where: str) -> list[Binding]:
    """The bindings of `where` ("app", "screen", "list" or a screen class name), made from `ACTIONS`."""
    return [spec.binding for spec in ACTIONS if spec.where == where]


def actions_for(screen_name: str) -> list[ActionSpec]:
    """What the screen offers: its own actions, the lists', every screen's and the app's."""
    mine = [a for a in ACTIONS if a.where == screen_name]
    keys = {a.key for a in mine}
    shared = [a for a in ACTIONS if a.where in ("list", "screen", "app") and a.key not in keys]
    return mine + shared


def help_text(screen_name: str, read_only: bool) -> str:
    lines = []
    for spec in actions_for(screen_name):
        note = "  (read-only: off)" if spec.writes and read_only else ""
        lines.append(f"[b]{spec.key:>8}[/b]  {spec.title}: {spec.help}{note}")
    return "\n".join(lines)
