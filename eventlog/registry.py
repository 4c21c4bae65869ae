"""Event base class, the registry of stable type names, and upcasting of older versions.

An event class declares `TYPE` (a stable dotted name, never the Python qualname) and `VERSION`. Its
dataclass fields are the envelope (`job_id`, `operator`, `item_key`, `step_key`) plus the payload.
When a payload's shape changes, bump `VERSION` and register an upcaster from the old version: stored
events stay as written and are upcast, one version at a time, when they are read or replayed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

from eventlog.errors import InvalidEvent, UnknownEventType

JSON = Any
"""A value that encodes to JSON: None, bool, int, float, str, list, or dict with str keys."""

Scope = Literal["job", "item", "step"]
Payload = dict[str, JSON]
Upcaster = Callable[[Payload], Payload]

ENVELOPE_FIELDS = ("job_id", "operator", "item_key", "step_key")

SECRET_KEY = re.compile(
    r"token|secret|passw|pwd|authori[sz]ation|^auth$|api[-_]?key|access[-_]?key|private[-_]?key"
    r"|credential|bearer|cookie|signature",
    re.IGNORECASE,
)
"""Payload keys that look like they hold a secret (matched anywhere in the key, at any depth)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """An immutable fact. `SCOPE` says which envelope keys it needs: a job, an item, or a step of an item.

    Payload values are plain JSON values; treat them as read-only.
    """

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
    SCOPE: ClassVar[Scope] = "job"

    job_id: str
    operator: str
    item_key: str | None = None
    step_key: str | None = None


E = TypeVar("E", bound=type[Event])


class EventRegistry:
    """Maps stable type names to event classes and upcasts stored payloads to the current version."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Event]] = {}
        self._payload_fields: dict[type[Event], tuple[str, ...]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self.current_versions: dict[str, int] = {}
        """Type name → the version new events of that type are written with."""

    def register(self, cls: E) -> E:
        """Class decorator: make `cls` known under its `TYPE` at its `VERSION`."""
        name = cls.TYPE
        if not name or not isinstance(name, str):
            raise ValueError(f"{cls.__name__} needs a stable TYPE name")
        if cls.VERSION < 1:
            raise ValueError(f"{cls.__name__}.VERSION must be ≥ 1")
        if name in self._classes and self._classes[name] is not cls:
            raise ValueError(f"event type {name!r} is already registered to {self._classes[name].__name__}")
        fields = tuple(f.name for f in dataclasses.fields(cls) if f.name not in ENVELOPE_FIELDS)
        for field_name in fields:
            if SECRET_KEY.search(field_name):
                raise ValueError(
                    f"{cls.__name__}.{field_name} looks like a secret; secrets never enter the log"
                )
        self._classes[name] = cls
        self._payload_fields[cls] = fields
        self.current_versions[name] = cls.VERSION
        return cls

    def register_upcaster(self, type_name: str, from_version: int, upcaster: Upcaster) -> None:
        """Teach the registry to turn a `from_version` payload of `type_name` into `from_version + 1`."""
        key = (type_name, from_version)
        if key in self._upcasters:
            raise ValueError(f"an upcaster for {type_name} v{from_version} is already registered")
        self._upcasters[key] = upcaster

    def class_for(self, type_name: str) -> type[Event]:
        try:
            return self._classes[type_name]
        except KeyError:
            raise UnknownEventType(f"unknown event type {type_name!r}") from None

    def type_names(self) -> list[str]:
        return sorted(self._classes)

    def payload_fields(self, cls: type[Event]) -> tuple[str, ...]:
        try:
            return self._payload_fields[cls]
        except KeyError:
            raise InvalidEvent(f"{cls.__name__} is not a registered event class") from None

    def payload_of(self, event: Event) -> Payload:
        """The payload of `event` as a fresh dict (envelope fields left out)."""
        return {name: getattr(event, name) for name in self.payload_fields(type(event))}

    def upcast(self, type_name: str, version: int, payload: Payload) -> Payload:
        """Bring a stored payload up to the current version of its type (a no-op when it already is)."""
        current = self.current_versions.get(type_name)
        if current is None or version == current:
            return payload
        if version > current:
            raise UnknownEventType(f"{type_name} v{version} is newer than this paydesk knows (v{current})")
        while version < current:
            step = self._upcasters.get((type_name, version))
            if step is None:
                raise UnknownEventType(f"no upcaster from {type_name} v{version} to v{version + 1}")
            payload = step(dict(payload))
            version += 1
        return payload

    def decode(
        self,
        type_name: str,
        version: int,
        payload: Payload,
        *,
        job_id: str,
        operator: str,
        item_key: str | None,
        step_key: str | None,
    ) -> Event:
        """Build the current event class from a stored envelope and payload (upcasting it first)."""
        cls = self.class_for(type_name)
        payload = self.upcast(type_name, version, payload)
        try:
            return cls(job_id=job_id, operator=operator, item_key=item_key, step_key=step_key, **payload)
        except TypeError as err:
            raise UnknownEventType(
                f"stored {type_name} v{version} does not fit {cls.__name__}: {err}"
            ) from None
