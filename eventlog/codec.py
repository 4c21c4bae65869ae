"""Canonical bytes, the hash chain, and the guards that keep secrets out of the log.

An event's canonical form is the compact JSON array
`[seq, recorded_at, job_id, item_key, step_key, type, version, operator, payload]` with the payload's keys
sorted, no spaces and UTF-8 text. Its hash is `sha256(previous_hash + canonical)` in hex, where the first
event's previous hash is `GENESIS_HASH`. The stored payload column holds exactly the canonical payload
text, so the chain can be recomputed from the stored columns (or from an export) alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from hashlib import sha256
from operator import attrgetter
from typing import Any, NamedTuple

from eventlog.errors import InvalidEvent, SecretRejected
from eventlog.registry import SECRET_KEY, Event, EventRegistry, Payload

GENESIS_HASH = "0" * 64
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

_c_make_encoder: Any = json.encoder.c_make_encoder  # type: ignore[attr-defined]
_quote: Callable[[str], str] = json.encoder.encode_basestring  # C version when available


def _reject(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON")


# The C encoder, built once: json.dumps would rebuild it on every call.
_encode_parts = _c_make_encoder(None, _reject, _quote, None, ":", ",", True, False, False)


def json_object(text: str | None) -> dict[str, Any]:
    """A projection's JSON object column (a job's params or totals, an item's data) as a dict; {} when
    empty or not an object (a damaged log)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def canonical_json(value: Any) -> str:
    """Compact, key-sorted, UTF-8 JSON text of a value (the one encoding the log ever writes)."""
    return "".join(_encode_parts(value, 0))


_int_text: Callable[[int], str] = int.__repr__


def json_value(value: Any) -> str:
    """`canonical_json(value)`, with the common scalars (str, None, int, bool) encoded without the
    C encoder's per-call overhead; the text is the same, character for character."""
    kind = type(value)
    if kind is str:
        return _quote(value)
    if value is None:
        return "null"
    if kind is int:
        return _int_text(value)
    if kind is bool:
        return "true" if value else "false"
    return "".join(_encode_parts(value, 0))


_key_verdicts: dict[str, bool] = {}


class ChainHead(NamedTuple):
    """The last sequence number of a log (0 when empty) and its hash."""

    seq: int
    hash: str


class PreparedEvent(NamedTuple):
    """An event checked and encoded, waiting for its sequence number, time and hash.

    `tail` is its canonical text after the sequence number and time (see `canonical_tail`)."""

    type: str
    version: int
    job_id: str
    item_key: str | None
    step_key: str | None
    operator: str
    payload: Payload
    payload_json: str
    event: Event
    tail: str


Prepared = tuple[str, int, str, str | None, str | None, str, Payload, str, Event, str]
"""The fields of a `PreparedEvent`, in its order."""


class EventRecord(NamedTuple):
    """One stored event exactly as its columns hold it (payload as canonical JSON text)."""

    seq: int
    recorded_at: str
    job_id: str
    item_key: str | None
    step_key: str | None
    type: str
    version: int
    operator: str
    payload: str
    hash: str

    def canonical(self) -> str:
        return canonical_text(
            self.seq,
            self.recorded_at,
            self.job_id,
            self.item_key,
            self.step_key,
            self.type,
            self.version,
            self.operator,
            self.payload,
        )


def decode_record(registry: EventRegistry, record: EventRecord) -> StoredEvent:
    """The stored event of `record`, decoded to its current-version class."""
    event = registry.decode(
        record.type,
        record.version,
        json.loads(record.payload),
        job_id=record.job_id,
        operator=record.operator,
        item_key=record.item_key,
        step_key=record.step_key,
    )
    return StoredEvent(record.seq, record.recorded_at, record.hash, event)


class StoredEvent(NamedTuple):
    """An event as the log holds it: its place in the chain plus the decoded (current-version) event."""

    seq: int
    recorded_at: str
    hash: str
    event: Event


def canonical_text(
    seq: int,
    recorded_at: str,
    job_id: str,
    item_key: str | None,
    step_key: str | None,
    type_name: str,
    version: int,
    operator: str,
    payload_json: str,
) -> str:
    tail = canonical_tail(job_id, item_key, step_key, type_name, version, operator, payload_json)
    return f"[{seq},{_quote(recorded_at)}{tail}"


def canonical_tail(
    job_id: str,
    item_key: str | None,
    step_key: str | None,
    type_name: str,
    version: int,
    operator: str,
    payload_json: str,
) -> str:
    """The part of `canonical_text` after `[seq,"recorded_at"`: it is known before the event is numbered."""
    quote = _quote
    item = "null" if item_key is None else quote(item_key)
    step = "null" if step_key is None else quote(step_key)
    return f",{quote(job_id)},{item},{step},{quote(type_name)},{version},{quote(operator)},{payload_json}]"


def chain_hash(previous: str, canonical: str) -> str:
    return sha256((previous + canonical).encode()).hexdigest()


def format_time(moment: datetime) -> str:
    """A UTC timestamp in the log's fixed-width form, which sorts like the time it names."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _key_is_bad(key: str) -> bool:
    if len(_key_verdicts) > 10_000:
        _key_verdicts.clear()
    bad = _key_verdicts[key] = SECRET_KEY.search(key) is not None
    return bad


def keys_are_fine(value: dict[Any, Any] | list[Any]) -> bool:
    """Whether every key in `value`, at any depth, is a string that does not look like a secret: the
    quick question, asked of every payload; `check_keys` says what is wrong (and raises) when it is not."""
    if type(value) is dict:
        verdict = _key_verdicts.get
        for key, inner in value.items():
            if type(key) is not str:
                return False
            bad = verdict(key)
            if bad is None:
                bad = _key_is_bad(key)
            if bad:
                return False
            kind = type(inner)
            if (kind is dict or kind is list) and inner and not keys_are_fine(inner):
                return False
        return True
    for inner in value:
        kind = type(inner)
        if (kind is dict or kind is list) and inner and not keys_are_fine(inner):
            return False
    return True


def check_keys(value: Any, type_name: str, path: str = "") -> None:
    """Reject payload keys that look like secrets or are not strings, at any depth."""
    if type(value) is dict:
        for key, inner in value.items():
            if type(key) is not str:
                raise InvalidEvent(f"{type_name}: payload key {path}{key!r} is not a string")
            bad = _key_verdicts.get(key)
            if bad is None:
                bad = _key_is_bad(key)
            if bad:
                raise SecretRejected(
                    f"{type_name}: payload key {path}{key!r} looks like a secret; secrets never enter the log"
                )
            if type(inner) is dict or type(inner) is list:
                check_keys(inner, type_name, f"{path}{key}.")
    elif type(value) is list:
        for index, inner in enumerate(value):
            if type(inner) is dict or type(inner) is list:
                check_keys(inner, type_name, f"{path}{index}.")


class _Plan(NamedTuple):
    """How to take apart and encode the events of one registered class (computed once per class)."""

    name: str
    version: int
    needs_item: bool
    needs_step: bool
    fields: tuple[str, ...]  # payload fields, sorted by name: the order of the canonical JSON
    parts: Callable[[Event], tuple[Any, ...]]  # job_id, item_key, step_key, operator, then the payload
    type_text: str  # the type and version as they stand in the canonical text


def _plan(cls: type[Event], fields: tuple[str, ...]) -> _Plan:
    ordered = tuple(sorted(fields))
    return _Plan(
        cls.TYPE,
        cls.VERSION,
        cls.SCOPE != "job",
        cls.SCOPE == "step",
        ordered,
        attrgetter("job_id", "item_key", "step_key", "operator", *ordered),
        f"{_quote(cls.TYPE)},{cls.VERSION}",
    )


_SCALARS = frozenset((str, int, float, bool, type(None)))
"""Payload value types that hold no keys to check."""


class Encoder:
    """Turns events into `PreparedEvent`s, refusing secrets by key name and by configured value."""

    def __init__(self, registry: EventRegistry, secrets: Iterable[str] = ()) -> None:
        self._registry = registry
        forms: set[str] = set()
        for secret in secrets:
            if not isinstance(secret, str) or not secret:
                raise ValueError("secret values must be non-empty strings")
            forms.add(secret)
            forms.add(canonical_json(secret)[1:-1])  # as it would appear inside JSON text
        self._secret_forms = tuple(forms)
        self._plans: dict[type[Event], _Plan] = {}

    def _plan_for(self, cls: type[Event]) -> _Plan:
        name = cls.TYPE
        registry = self._registry
        if registry.current_versions.get(name) != cls.VERSION or registry.class_for(name) is not cls:
            raise InvalidEvent(f"{cls.__name__} is not registered with this log's event registry")
        # A registered class stays registered under its name and version (the registry refuses another
        # class under a taken name), so its plan never goes stale.
        plan = self._plans[cls] = _plan(cls, registry.payload_fields(cls))
        return plan

    def prepare(self, event: Event) -> PreparedEvent:
        return PreparedEvent._make(self.encode(event))

    def encode(self, event: Event) -> Prepared:
        """What `prepare` gives, as a plain tuple (cheaper to make when it is unpacked at once)."""
        cls = type(event)
        plan = self._plans.get(cls)
        if plan is None:
            plan = self._plan_for(cls)
        parts = plan.parts(event)
        job_id, item_key, step_key, operator = parts[0], parts[1], parts[2], parts[3]
        if type(job_id) is not str or not job_id or type(operator) is not str or not operator:
            raise InvalidEvent(f"{plan.name}: job_id and operator must be non-empty strings")
        if type(item_key) is str and item_key:
            item_text = _quote(item_key)
        elif item_key is None and not plan.needs_item:
            item_text = "null"
        else:
            raise _key_error(plan, "an item_key" if plan.needs_item else "")
        if type(step_key) is str and step_key:
            step_text = _quote(step_key)
        elif step_key is None and not plan.needs_step:
            step_text = "null"
        else:
            raise _key_error(plan, "a step_key" if plan.needs_step else "")
        fields = plan.fields
        values = parts[4:]
        if not _SCALARS.issuperset(map(type, values)):
            # field names were checked when the class was registered; nested keys now
            for key, inner in zip(fields, values, strict=True):
                kind = type(inner)
                if (kind is dict or kind is list) and inner and not keys_are_fine(inner):
                    check_keys(inner, plan.name, f"{key}.")
        payload = dict(zip(fields, values, strict=False))
        try:
            payload_json = "".join(_encode_parts(payload, 0))
        except (TypeError, ValueError, RecursionError) as err:
            raise InvalidEvent(f"{plan.name}: payload is not plain JSON ({err})") from None
        if self._secret_forms:
            self._refuse_secrets(plan.name, payload_json, job_id, operator, item_key, step_key)
        # = canonical_tail(...), spelled out to reuse the quoted keys (tests/eventlog/test_append_paths.py)
        tail = (
            f",{_quote(job_id)},{item_text},{step_text},{plan.type_text},{_quote(operator)},{payload_json}]"
        )
        return (
            plan.name,
            plan.version,
            job_id,
            item_key,
            step_key,
            operator,
            payload,
            payload_json,
            event,
            tail,
        )

    def _refuse_secrets(
        self,
        name: str,
        payload_json: str,
        job_id: str,
        operator: str,
        item_key: str | None,
        step_key: str | None,
    ) -> None:
        texts = (payload_json, job_id, operator, item_key or "", step_key or "")
        for form in self._secret_forms:
            for text in texts:
                if form in text:
                    raise SecretRejected(
                        f"{name} for job {job_id if form not in job_id else '<redacted>'} contains a "
                        "configured secret value; it was not written"
                    )


def encode_group(encoder: Encoder, events: Iterable[Event]) -> list[Prepared] | Exception:
    """The events encoded, or, if one of them cannot be, the reason (and none of them)."""
    encode = encoder.encode
    try:
        return [encode(event) for event in events]
    except Exception as err:
        return err


def _key_error(plan: _Plan, needed: str) -> InvalidEvent:
    """The error for an item_key or step_key the event's scope needs, or that is neither None nor a
    non-empty string."""
    if needed:
        return InvalidEvent(f"{plan.name}: needs {needed}")
    return InvalidEvent(f"{plan.name}: item_key and step_key must be non-empty strings or None")
