"""Recorded ids, property ids and cursors, and the ones the sandbox answered with instead.

An object the session creates gets another id in the sandbox than in the recording; `learn` pairs them by
walking the recorded answer and ours side by side, and `rewrite` puts ours into the requests that follow. A
request that needs something the replay could not reproduce (a cursor the sandbox never handed out, an object
whose creation did not replay) raises Unreproducible.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from tests.sandbox.replay.catalog import UUID_IN_TEXT, compact, is_uuid

PROPERTY_KEYS = frozenset({"property", "relation_property_id", "rollup_property_id"})


class Unreproducible(Exception):
    """The request depends on something the replay could not reproduce."""


class IdMapping:
    def __init__(self, created: set[str]) -> None:
        self.created = created
        self.ids: dict[str, str] = {}
        self.properties: dict[str, str] = {}
        self.cursors: dict[str, str] = {}

    def learn(self, real: Any, ours: Any, key: str = "") -> None:
        """Pair the recorded ids, property ids and cursors in `real` with ours in the same places."""
        if isinstance(real, dict) and isinstance(ours, dict):
            for name, value in real.items():
                if name not in ours:
                    continue
                if key == "properties" and isinstance(value, dict) and isinstance(ours[name], dict):
                    self._learn_property(value.get("id"), ours[name].get("id"))
                self.learn(value, ours[name], name)
        elif isinstance(real, list) and isinstance(ours, list):
            for one, other in zip(real, ours, strict=False):
                self.learn(one, other, key)
        elif isinstance(real, str) and isinstance(ours, str):
            if key == "next_cursor":
                self.cursors[real] = ours
            elif is_uuid(real) and is_uuid(ours) and compact(real) in self.created:
                self.ids.setdefault(compact(real), ours)

    def _learn_property(self, real: Any, ours: Any) -> None:
        if isinstance(real, str) and isinstance(ours, str) and real != ours:
            self.properties[unquote(real)] = ours

    def translate(self, value: str) -> str:
        """Our id for a recorded one (the same id when the object was seeded)."""
        mapped = self.ids.get(compact(value))
        return mapped if mapped is not None else value

    def _id(self, value: str) -> str:
        key = compact(value)
        if key in self.ids:
            return self.ids[key]
        if key in self.created:
            raise Unreproducible(f"{value} was created by an interaction that did not replay")
        return value

    def _property(self, value: str) -> str:
        return self.properties.get(unquote(value), value)

    def rewrite(self, path: str, query: str, body: Any) -> tuple[str, str, Any]:
        segments = path.split("/")
        for at, segment in enumerate(segments):
            if is_uuid(segment):
                segments[at] = self._id(segment)
            elif at and segments[at - 1] == "properties":
                segments[at] = quote(self._property(segment), safe="")
        pairs = []
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name == "start_cursor":
                value = self._cursor(value)
            elif name.startswith("filter_properties"):
                value = self._property(value)
            elif is_uuid(value):
                value = self._id(value)
            pairs.append((name, value))
        return "/".join(segments), urlencode(pairs), self._body(body, "")

    def _cursor(self, value: str) -> str:
        if value not in self.cursors:
            raise Unreproducible("a cursor the sandbox never handed out")
        return self.cursors[value]

    def _body(self, value: Any, key: str) -> Any:
        if isinstance(value, dict):
            return {name: self._body(inner, name) for name, inner in value.items()}
        if isinstance(value, list):
            if key == "filter_properties":
                return [self._property(item) if isinstance(item, str) else item for item in value]
            return [self._body(item, key) for item in value]
        if not isinstance(value, str):
            return value
        if key == "start_cursor":
            return self._cursor(value)
        if key in PROPERTY_KEYS:
            return self._property(value)
        if is_uuid(value):
            return self._id(value)
        if key == "expression":
            return UUID_IN_TEXT.sub(lambda match: self._id(match.group(0)), value)
        return value
