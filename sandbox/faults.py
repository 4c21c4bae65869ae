"""Injected failures: random ones from a spec and a seed, and targeted ones aimed at one page or at the
page creations in one data source.

A spec such as ``"500:0.05,503:0.02,timeout:0.01,reset:0.01,applied_reset:0.01"`` gives each fault a
probability per request. The injector draws exactly one number from one `random.Random(seed)` per request,
in arrival order, so the same seed and the same request sequence give the same faults. Targeted faults
("fail the next K writes to page P with status S", "… the next K page creations in data source D") are
served before the random ones, but the draw still happens, so adding a targeted fault does not shift the
random ones that follow.

Kinds: an error `status` (the request is not applied), `timeout` (never answered, not applied), `reset`
(the connection drops before the request is applied) and `applied_reset` (the request is applied as usual,
then the connection drops instead of the answer: the client sees a dropped connection although the write
happened, as when a real service commits and the network fails on the way back).

Pure: no I/O and no clock; `sandbox.limits` turns a `Fault` into a response.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Literal

# status -> (code, message) of the real error envelope.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("validation_error", "body failed validation (injected fault)."),
    401: ("unauthorized", "API token is invalid."),
    403: ("restricted_resource", "API token does not have access to this resource."),
    404: ("object_not_found", "Could not find object (injected fault)."),
    409: ("conflict_error", "Conflict occurred while saving. Please try again."),
    429: ("rate_limited", "You have been rate limited. Please try again in a few minutes."),
    500: ("internal_server_error", "Unexpected error occurred."),
    502: ("bad_gateway", "Bad gateway: Notion could not be reached. Please try again."),
    503: ("service_unavailable", "Notion is unavailable, please try again later."),
    504: ("gateway_timeout", "Gateway timeout: the request took too long. Please try again."),
    529: ("service_overload", "Notion is overloaded right now. Please try again later."),
}
# Statuses a random spec may name (the transient ones a real integration meets).
SPEC_STATUSES = frozenset({429, 500, 502, 503, 504, 529})
# Statuses answered with a `Retry-After` header.
RETRY_AFTER_STATUSES = frozenset({429, 529})
INJECTED_RETRY_AFTER = 1

FaultKind = Literal["status", "timeout", "reset", "applied_reset"]
NAMED_KINDS = ("timeout", "reset", "applied_reset")


@dataclass(frozen=True)
class Fault:
    """What to do to one request: answer `status`, never answer (`timeout`), drop the connection
    (`reset`), or apply it and drop the connection instead of answering (`applied_reset`)."""

    kind: FaultKind
    status: int = 0

    @property
    def label(self) -> str:
        return str(self.status) if self.kind == "status" else self.kind


TIMEOUT = Fault("timeout")
RESET = Fault("reset")
APPLIED_RESET = Fault("applied_reset")
_NAMED: dict[str, Fault] = {"timeout": TIMEOUT, "reset": RESET, "applied_reset": APPLIED_RESET}


@dataclass(frozen=True)
class FaultRule:
    fault: Fault
    probability: float


def _parse_fault_name(name: str) -> Fault:
    if name in _NAMED:
        return _NAMED[name]
    if name.isdigit() and int(name) in SPEC_STATUSES:
        return Fault("status", int(name))
    allowed = ", ".join([*map(str, sorted(SPEC_STATUSES)), *NAMED_KINDS])
    raise ValueError(f"unknown fault {name!r} (expected one of {allowed})")


def parse_fault_spec(spec: str) -> tuple[FaultRule, ...]:
    """Parse ``"kind:probability,…"``; raise ValueError naming the bad part. An empty spec means none."""
    rules: list[FaultRule] = []
    seen: set[Fault] = set()
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            if spec.strip():
                raise ValueError(f"bad fault spec {spec!r}: empty part between commas")
            continue
        name, colon, value = (s.strip() for s in part.partition(":"))
        if not colon:
            raise ValueError(f"bad fault spec part {part!r}: expected kind:probability, e.g. 500:0.05")
        try:
            fault = _parse_fault_name(name)
        except ValueError as err:
            raise ValueError(f"bad fault spec part {part!r}: {err}") from None
        try:
            probability = float(value)
        except ValueError:
            raise ValueError(f"bad fault spec part {part!r}: probability {value!r} is not a number") from None
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"bad fault spec part {part!r}: probability must be between 0 and 1")
        if fault in seen:
            raise ValueError(f"bad fault spec part {part!r}: {name} is given twice")
        seen.add(fault)
        rules.append(FaultRule(fault, probability))
    total = sum(rule.probability for rule in rules)
    if total > 1.0 + 1e-9:
        raise ValueError(f"bad fault spec {spec!r}: probabilities add up to {total:g}, more than 1")
    return tuple(rules)


def format_fault_spec(rules: tuple[FaultRule, ...]) -> str:
    return ",".join(f"{rule.fault.label}:{rule.probability:g}" for rule in rules)


_UUID_HEX = re.compile(r"^[0-9a-f]{32}$")
_PAGE_WRITE_PATH = re.compile(r"^/v1/(?:pages|blocks)/([^/]+)")
CREATE_PAGE_PATH = "/v1/pages"


def normalize_id(value: str) -> str:
    """Notion ids compare without dashes and case-insensitively."""
    return value.replace("-", "").lower()


@dataclass
class TargetedFault:
    """Fail the next `remaining` writes (PATCH/POST) to `page_id` with `fault` or, with `create_in` set
    instead, the next `remaining` page creations (``POST /v1/pages``) in that data source."""

    page_id: str | None
    fault: Fault
    remaining: int
    create_in: str | None = None

    def to_json(self) -> dict[str, Any]:
        status: int | str = self.fault.status if self.fault.kind == "status" else self.fault.kind
        aim = {"page_id": self.page_id} if self.create_in is None else {"create_in": self.create_in}
        return {**aim, "status": status, "count": self.remaining}


def _notion_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _UUID_HEX.match(normalize_id(value)):
        raise ValueError(f"{where} must be a Notion id (32 hex digits, dashes allowed)")
    return value


def parse_targeted(items: Any) -> list[TargetedFault]:
    """Read ``[{"page_id" | "create_in": …, "status": 500 | "timeout" | "reset" | "applied_reset",
    "count": K}, …]``."""
    if not isinstance(items, list):
        raise ValueError("targeted must be a list of {page_id or create_in, status, count} objects")
    targeted: list[TargetedFault] = []
    for index, item in enumerate(items):
        where = f"targeted[{index}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be an object with page_id (or create_in), status and count")
        unknown = set(item) - {"page_id", "create_in", "status", "count"}
        if unknown:
            raise ValueError(f"{where} has unknown keys {sorted(unknown)}")
        if ("page_id" in item) == ("create_in" in item):
            raise ValueError(f"{where} needs exactly one of page_id and create_in")
        page_id = _notion_id(item["page_id"], f"{where}.page_id") if "page_id" in item else None
        create_in = _notion_id(item["create_in"], f"{where}.create_in") if "create_in" in item else None
        status = item.get("status")
        if isinstance(status, str) and status in _NAMED:
            fault = _NAMED[status]
        elif isinstance(status, int) and not isinstance(status, bool) and status in ERRORS:
            fault = Fault("status", status)
        else:
            allowed = ", ".join([*map(str, sorted(ERRORS)), *(f'"{name}"' for name in NAMED_KINDS)])
            raise ValueError(f"{where}.status must be one of {allowed}, got {status!r}")
        count = item.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError(f"{where}.count must be a positive integer, got {count!r}")
        targeted.append(TargetedFault(page_id, fault, count, create_in))
    return targeted


def written_page_id(method: str, path: str) -> str | None:
    """The (normalized) page or block id a PATCH/POST writes to, or None for other requests."""
    if method not in ("PATCH", "POST"):
        return None
    match = _PAGE_WRITE_PATH.match(path)
    return normalize_id(match.group(1)) if match else None


class FaultInjector:
    """Decides, request by request, which fault (if any) to inject."""

    def __init__(self, rules: tuple[FaultRule, ...] = (), random_seed: int = 0) -> None:
        self.rules = rules
        self.random_seed = random_seed
        self.targeted: list[TargetedFault] = []
        self._random = random.Random(random_seed)

    def reseed(self, random_seed: int) -> None:
        self.random_seed = random_seed
        self._random = random.Random(random_seed)

    def aims_at_creations(self, method: str, path: str) -> bool:
        """Whether a targeted fault waits for page creations and this request may be one (then the caller
        reads the body to find the data source and passes it to `choose` as `created_in`)."""
        return (
            method == "POST"
            and path.rstrip("/") == CREATE_PAGE_PATH
            and any(target.create_in is not None for target in self.targeted)
        )

    def choose(self, method: str, path: str, created_in: str | None = None) -> Fault | None:
        """The fault for the next request in arrival order; consumes one random draw whatever happens.

        `created_in` is the data source a page creation (``POST /v1/pages``) creates its page in."""
        draw = self._random.random()
        page_id = written_page_id(method, path)
        if page_id is not None or created_in is not None:
            aim = normalize_id(created_in) if created_in is not None else None
            for target in self.targeted:
                if target.create_in is not None:
                    hit = aim is not None and normalize_id(target.create_in) == aim
                else:
                    hit = page_id is not None and normalize_id(target.page_id or "") == page_id
                if hit and target.remaining > 0:
                    target.remaining -= 1
                    if target.remaining == 0:
                        self.targeted.remove(target)
                    return target.fault
        threshold = 0.0
        for rule in self.rules:
            threshold += rule.probability
            if draw < threshold:
                return rule.fault
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "spec": format_fault_spec(self.rules),
            "random_seed": self.random_seed,
            "targeted": [target.to_json() for target in self.targeted],
        }
