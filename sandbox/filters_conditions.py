"""Conditions of property filters, one family of property types at a time.

Each `*_condition` validates a condition object such as ``{"equals": "Paid"}`` found at `path` and returns a
test over a property value's inner part (``prop[prop["type"]]``): the list of rich text of a title, the
option of a select, the number of a number... Empty means an empty string, None or an empty list.
Text comparisons ignore case, as Notion's do; option names and ids compare exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sandbox.query_common import (
    QueryError,
    ids_of,
    invalid,
    is_number,
    normal_id,
    number_of,
    option_name,
    option_names,
    text_of,
    undefined,
)

Test = Callable[[Any], bool]

EMPTINESS = ("is_empty", "is_not_empty")
TEXT = ("equals", "does_not_equal", "contains", "does_not_contain", "starts_with", "ends_with", *EMPTINESS)
NUMBER = (
    "equals",
    "does_not_equal",
    "greater_than",
    "less_than",
    "greater_than_or_equal_to",
    "less_than_or_equal_to",
    *EMPTINESS,
)
CHECKBOX = ("equals", "does_not_equal")
OPTION = ("equals", "does_not_equal", *EMPTINESS)
CONTAINMENT = ("contains", "does_not_contain", *EMPTINESS)


def split_condition(cond: Any, path: str, allowed: tuple[str, ...]) -> tuple[str, Any]:
    """The one `(condition, value)` pair of a condition object, or a QueryError saying what is wrong."""
    if not isinstance(cond, dict):
        raise invalid(path, "an object", cond)
    for key in cond:
        if key not in allowed:
            raise invalid(f"{path}.{key}", "not present", cond[key])
    if not cond:
        raise undefined(*(f"{path}.{key}" for key in allowed))
    if len(cond) > 1:
        keys = ", ".join(f"`{key}`" for key in cond)
        raise QueryError(
            f"body failed validation: {path} should have exactly one condition, instead had {keys}."
        )
    ((key, value),) = cond.items()
    return str(key), value


def emptiness(key: str, value: Any, path: str, is_empty: Test) -> Test:
    """`is_empty: true` or `is_not_empty: true` over the given notion of emptiness."""
    if value is not True:
        raise invalid(f"{path}.{key}", "`true`", value)
    if key == "is_empty":
        return is_empty
    return lambda inner: not is_empty(inner)


def text_condition(cond: Any, path: str) -> Test:
    """title, rich_text, url, email, phone_number (and text formulas and rollup items)."""
    key, target = split_condition(cond, path, TEXT)
    if key in EMPTINESS:
        return emptiness(key, target, path, lambda inner: not text_of(inner))
    if not isinstance(target, str):
        raise invalid(f"{path}.{key}", "a string", target)
    wanted = target.casefold()
    if key == "equals":
        return lambda inner: text_of(inner).casefold() == wanted
    if key == "does_not_equal":
        return lambda inner: text_of(inner).casefold() != wanted
    if key == "contains":
        return lambda inner: wanted in text_of(inner).casefold()
    if key == "does_not_contain":
        return lambda inner: wanted not in text_of(inner).casefold()
    if key == "starts_with":
        return lambda inner: text_of(inner).casefold().startswith(wanted)
    return lambda inner: text_of(inner).casefold().endswith(wanted)


def number_condition(cond: Any, path: str) -> Test:
    """number and unique_id (compared on its number); an empty number matches only is_empty and
    does_not_equal."""
    key, target = split_condition(cond, path, NUMBER)
    if key in EMPTINESS:
        return emptiness(key, target, path, lambda inner: number_of(inner) is None)
    if not is_number(target):
        raise invalid(f"{path}.{key}", "a number", target)
    if key == "equals":
        return lambda inner: number_of(inner) == target
    if key == "does_not_equal":
        return lambda inner: number_of(inner) != target
    compare: Callable[[float, float], bool] = {
        "greater_than": lambda a, b: a > b,
        "less_than": lambda a, b: a < b,
        "greater_than_or_equal_to": lambda a, b: a >= b,
        "less_than_or_equal_to": lambda a, b: a <= b,
    }[key]

    def test(inner: Any) -> bool:
        number = number_of(inner)
        return number is not None and compare(number, target)

    return test


def checkbox_condition(cond: Any, path: str) -> Test:
    """checkbox; an unset checkbox is unchecked."""
    key, target = split_condition(cond, path, CHECKBOX)
    if not isinstance(target, bool):
        raise invalid(f"{path}.{key}", "a boolean", target)
    if key == "equals":
        return lambda inner: (inner is True) == target
    return lambda inner: (inner is True) != target


def option_condition(cond: Any, path: str) -> Test:
    """select and status, by option name (or by any of a list of names, which Notion also takes)."""
    key, target = split_condition(cond, path, OPTION)
    if key in EMPTINESS:
        return emptiness(key, target, path, lambda inner: option_name(inner) is None)
    names = target if isinstance(target, list) else [target]
    if not names or not all(isinstance(name, str) for name in names):
        raise invalid(f"{path}.{key}", "a string", target)

    def equals(inner: Any) -> bool:
        return isinstance(inner, dict) and inner.get("name") in names

    if key == "equals":
        return equals
    return lambda inner: not equals(inner)


def multi_select_condition(cond: Any, path: str) -> Test:
    """multi_select, by option name."""
    key, target = split_condition(cond, path, CONTAINMENT)
    if key in EMPTINESS:
        return emptiness(key, target, path, lambda inner: not option_names(inner))
    if not isinstance(target, str):
        raise invalid(f"{path}.{key}", "a string", target)
    if key == "contains":
        return lambda inner: target in option_names(inner)
    return lambda inner: target not in option_names(inner)


def ids_condition(cond: Any, path: str) -> Test:
    """people, created_by, last_edited_by and relation, by user or page id (a UUID, dashes optional)."""
    key, target = split_condition(cond, path, CONTAINMENT)
    if key in EMPTINESS:
        return emptiness(key, target, path, lambda inner: not ids_of(inner))
    if not isinstance(target, str):
        raise invalid(f"{path}.{key}", "a valid uuid", target)
    try:
        wanted = normal_id(str(uuid.UUID(target)))
    except ValueError:
        raise invalid(f"{path}.{key}", "a valid uuid", target) from None
    if key == "contains":
        return lambda inner: wanted in ids_of(inner)
    return lambda inner: wanted not in ids_of(inner)


def files_condition(cond: Any, path: str) -> Test:
    """files: only emptiness can be asked."""
    key, target = split_condition(cond, path, EMPTINESS)
    return emptiness(key, target, path, lambda inner: not (isinstance(inner, list) and inner))


VERIFICATION = ("status", "does_not_equal")
VERIFICATION_STATES = ("verified", "expired", "none")


def verification_condition(cond: Any, path: str) -> Test:
    """verification, by state: verified, expired or none (unverified)."""
    key, target = split_condition(cond, path, VERIFICATION)
    if target not in VERIFICATION_STATES:
        raise invalid(f"{path}.{key}", '`"verified"`, `"expired"` or `"none"`', target)

    def state(inner: Any) -> str:
        found = inner.get("state") if isinstance(inner, dict) else None
        return "none" if found in (None, "unverified") else str(found)

    if key == "status":
        return lambda inner: state(inner) == target
    return lambda inner: state(inner) != target
