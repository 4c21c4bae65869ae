"""The property names a stored plan uses, against its data sources as they are now (pure).

A plan names each property as the workspace called it when the plan was made. One renamed or removed
since (in Notion, and in `[properties.<db>]`) would have every write that names it refused with a 400, and
a retry refused the same way, while the steps around them were written. So before a stored plan's writes
are sent (resume, retry), every name its steps use — what they write, what they expect, what they look up
and what the records they stand on must hold — is looked for in its data source's schema, and the job is
refused, with nothing sent, when one is gone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from engine.run.plan import Step

Schemas = Mapping[str, Mapping[str, Any]]
"""logical name -> the data source's `properties`, as retrieved now."""


def names_used(step: Step) -> set[tuple[str, str]]:
    """(logical, property name) for every property `step` writes, compares, looks up or stands on."""
    own = {*step.write, *step.expect, *filter_names(step.lookup)}
    if step.property:
        own.add(step.property)
    used = {(step.logical, name) for name in own}
    for child in step.children:
        used.add((step.logical, child.relation))
        used.add((child.logical, child.property))
    if step.source is not None:
        used.update((step.source.logical, name) for name in filter_names(step.source.filter))
    return used


def filter_names(flt: Any) -> set[str]:
    """The property names a Notion filter tests (at any depth of `and` / `or`)."""
    if isinstance(flt, Mapping):
        found = {flt["property"]} if isinstance(flt.get("property"), str) else set()
        for value in flt.values():
            found |= filter_names(value)
        return found
    if isinstance(flt, list):
        return {name for value in flt for name in filter_names(value)}
    return set()


def missing_names(steps: Iterable[Step], schemas: Schemas) -> Counter[tuple[str, str]]:
    """(logical, property name) -> how many of `steps` use it, for each name its data source lacks now
    (data sources absent from `schemas` are not judged)."""
    missing: Counter[tuple[str, str]] = Counter()
    for step in steps:
        for logical, name in names_used(step):
            schema = schemas.get(logical)
            if schema is not None and name not in schema:
                missing[(logical, name)] += 1
    return missing
