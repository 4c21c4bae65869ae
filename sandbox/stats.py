"""Request counters behind `GET /_sandbox/stats`: by method, by route template and by outcome.

A route template is the path with its ids replaced by names (`/v1/pages/{page_id}`), derived by pattern from
the path alone, so unknown routes are counted too. Reads are GETs plus query and search POSTs; writes are the
creates and updates of pages, databases and data sources, and block-children appends.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Collection segment -> the name of the id that follows it.
_ID_NAMES = {
    "pages": "page_id",
    "databases": "database_id",
    "data_sources": "data_source_id",
    "blocks": "block_id",
    "users": "user_id",
    "comments": "comment_id",
    "file_uploads": "file_upload_id",
    "properties": "property_id",
    "templates": "template_id",
}
_NOT_IDS = frozenset({"me"})
_LOOKS_LIKE_ID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)

_READ_POSTS = (
    re.compile(r"^/v1/data_sources/\{data_source_id\}/query$"),
    re.compile(r"^/v1/databases/\{database_id\}/query$"),
    re.compile(r"^/v1/search$"),
)
_WRITES = frozenset(
    {
        "POST /v1/pages",
        "PATCH /v1/pages/{page_id}",
        "POST /v1/databases",
        "PATCH /v1/databases/{database_id}",
        "POST /v1/data_sources",
        "PATCH /v1/data_sources/{data_source_id}",
        "PATCH /v1/blocks/{block_id}/children",
    }
)


def route_template(path: str) -> str:
    """`/v1/pages/59833787-…/properties/%3Djxv` → `/v1/pages/{page_id}/properties/{property_id}`."""
    segments = path.rstrip("/").split("/") if path != "/" else [""]
    out: list[str] = []
    previous = ""
    for segment in segments:
        name = _ID_NAMES.get(previous)
        if name is not None and segment and segment not in _NOT_IDS and segment not in _ID_NAMES:
            out.append("{" + name + "}")
        elif _LOOKS_LIKE_ID.match(segment):
            out.append("{id}")
        else:
            out.append(segment)
        previous = segment
    return "/".join(out) or "/"


def classify(method: str, template: str) -> str:
    """'read', 'write' or 'other' for a method and a route template."""
    if method == "GET" or (method == "POST" and any(p.match(template) for p in _READ_POSTS)):
        return "read"
    if f"{method} {template}" in _WRITES:
        return "write"
    return "other"


@dataclass
class RequestStats:
    """Counts every Notion request once at arrival and its outcome once when it is known.

    Outcomes are the response status as a string (``"200"``, ``"429"``) or ``"timeout"`` / ``"reset"`` /
    ``"applied_reset"`` for injected faults that never answer. `rate_limited` counts the limiter's 429s;
    `faults` counts injected faults (including injected 429s).
    """

    methods: Counter[str] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)
    route_outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    faults: int = 0

    def record_request(self, method: str, path: str) -> str:
        """Count one arriving request; return its route key (``"PATCH /v1/pages/{page_id}"``)."""
        template = route_template(path)
        route = f"{method} {template}"
        self.methods[method] += 1
        self.routes[route] += 1
        self.kinds[classify(method, template)] += 1
        return route

    def record_outcome(self, route: str, outcome: str) -> None:
        self.route_outcomes.setdefault(route, Counter())[outcome] += 1
        self.outcomes[outcome] += 1

    def reset(self) -> None:
        self.methods.clear()
        self.routes.clear()
        self.route_outcomes.clear()
        self.outcomes.clear()
        self.kinds.clear()
        self.rate_limited = 0
        self.faults = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "object": "sandbox_stats",
            "totals": {
                "reads": self.kinds["read"],
                "writes": self.kinds["write"],
                "total": sum(self.methods.values()),
                "rate_limited": self.rate_limited,
                "faults": self.faults,
            },
            "by_method": dict(sorted(self.methods.items())),
            "by_status": dict(sorted(self.outcomes.items())),
            "by_route": {
                route: {"count": count, "by_status": dict(sorted(self.route_outcomes.get(route, {}).items()))}
                for route, count in sorted(self.routes.items())
            },
        }
