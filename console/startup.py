"""What makes `paydesk` start quickly, measured (bench: `python -X importtime -c "import console.cli"`):

- the collector is paused while the command line's modules are imported, and what they made is then moved
  out of its reach (`gc.freeze`): the ~660 modules make some 80,000 objects that live as long
  as the process, which every full collection would walk again, during the imports and during the job
  (about 60 ms to import, and as much again in the first moments of a job);
- httpx imports its own command line (`httpx._main`: click, rich, pygments; about 80 ms) whenever those
  are installed, which they are here (sqlite-utils needs click, Textual rich). paydesk never runs httpx's
  command line, so, in a process that has not imported httpx yet, that module is given as an empty one
  whose `main` says so.
"""

from __future__ import annotations

import gc
import sys
import types


def _no_httpx_cli() -> None:
    raise SystemExit("httpx's command line is not available inside paydesk; run `python -m httpx` instead")


def begin() -> bool:
    """Before the imports: pause the collector and leave httpx's command line out; return whether the
    collector was running (give it to `end`)."""
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        cli = types.ModuleType("httpx._main", "httpx's command line, left out by paydesk (console.startup)")
        cli.main = _no_httpx_cli  # type: ignore[attr-defined]
        sys.modules["httpx._main"] = cli
    was_running = gc.isenabled()
    gc.disable()
    return was_running


def end(was_running: bool) -> None:
    """After the imports: what exists now is left out of every later collection, and the collector runs
    again as it did before `begin`."""
    gc.freeze()
    if was_running:
        gc.enable()
