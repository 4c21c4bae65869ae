"""What a route handler gets (`Call`: the store, the request, its path parameters and JSON body) and what it
is (`Handler`). Below both the app and the routes, so that neither imports the other's module for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import Scope

from sandbox.store import SandboxStore


@dataclass
class Call:
    """What a handler gets: the store, the ASGI scope, the path parameters and the JSON body."""

    store: SandboxStore
    scope: Scope
    params: dict[str, str]
    body: dict[str, Any]
    _query: list[tuple[str, str]] | None = field(default=None, repr=False)

    @property
    def request(self) -> Request:
        """A Starlette view of the request (built on demand: only the rare handler that needs its URL)."""
        return Request(self.scope)

    def _query_pairs(self) -> list[tuple[str, str]]:
        if self._query is None:
            raw = self.scope.get("query_string", b"")
            self._query = parse_qsl(raw.decode("latin-1"), keep_blank_values=True) if raw else []
        return self._query

    def query_list(self, key: str) -> list[str]:
        """Every value of ``key`` in the query string, also sent as ``key[]``."""
        bracketed = key + "[]"
        pairs = self._query_pairs()
        return [v for k, v in pairs if k == key] + [v for k, v in pairs if k == bracketed]

    def query_one(self, key: str) -> str | None:
        """The last value of ``key`` in the query string, or None."""
        found = None
        for k, v in self._query_pairs():
            if k == key:
                found = v
        return found


Handler = Callable[[Call], dict[str, Any]]
