"""The paydesk configuration (TOML) that points the engine at a seeded demo workspace."""

from __future__ import annotations

import json

from sandbox.demo.draft import VND_PER_USD
from sandbox.demo.schemas import LOGICAL_NAMES
from sandbox.demo.workspace import DemoWorkspace

NOTION_VERSION = "2025-09-03"


def _quoted(value: str) -> str:
    # A JSON string of printable text is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def render_config(base_url: str, workspace: DemoWorkspace) -> str:
    """The configuration text for `base_url`; the token is never written (it comes from NOTION_TOKEN)."""
    lines = [
        "# paydesk configuration for the sandbox demo workspace. The token is never written here: set it",
        "# in the environment, e.g. `export NOTION_TOKEN=<the token on the sandbox's ready line>`.",
        "[notion]",
        f"base_url = {_quoted(base_url.rstrip('/'))}",
        f"notion_version = {_quoted(NOTION_VERSION)}",
        "rate = 3.0          # requests per second for the whole integration",
        "burst = 3",
        "",
        "[engine]",
        "workers = 5",
        "",
        "# Payables are in USD and payouts in their rate's currency: the ledger converts each payout at this",
        "# rate (units per USD), rounded once to the cent, to reconcile a payable's Total.",
        "[exchange]",
        f'per_usd = {{ VND = "{VND_PER_USD}" }}',
        "",
        "# Logical name -> data source id. Property names are the defaults here; a [properties.<logical>]",
        '# table renames them, e.g. [properties.payables] with "Payment Status" = "Status".',
        "[data_sources]",
    ]
    lines += [f"{name} = {_quoted(workspace.data_sources[name])}" for name in LOGICAL_NAMES]
    return "\n".join(lines) + "\n"
