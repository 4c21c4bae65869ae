"""The function library of Notion formulas (formula 2.0), each with the type of what it returns.

`FUNCTIONS` maps a name to ``(implementation, returns)``: the implementation takes evaluated arguments (see
`sandbox.formula_values`) and raises FormulaTypeError (or ValueError, ZeroDivisionError…) for arguments it
cannot use, which makes the formula empty. `returns` is a formula type (number, string, boolean, date,
list) or ``"first"`` (the type of the first argument) or ``"item"`` (an item of a list: unknown).
`SPECIAL_FORMS` are evaluated by `sandbox.formula_eval` itself: their arguments are evaluated lazily or in
a scope (``if``, ``let``, ``map``…) or they read the page or the clock (``id``, ``now``).
"""

from __future__ import annotations

import math
import re
import statistics
from calendar import monthrange
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.formula_values import (
    DateValue,
    FormulaTypeError,
    Person,
    date_of,
    finite,
    is_empty,
    number,
    text,
    to_number,
)

Impl = Callable[..., Any]

SPECIAL_FORMS: dict[str, str] = {
    "if": "first-branch",
    "ifs": "first-branch",
    "let": "body",
    "lets": "body",
    "and": "boolean",
    "or": "boolean",
    "map": "list",
    "filter": "list",
    "find": "item",
    "findIndex": "number",
    "some": "boolean",
    "every": "boolean",
    "now": "date",
    "today": "date",
    "id": "string",
}


def _numbers(values: tuple[Any, ...]) -> list[float | int]:
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return [number(v) for v in flat if v is not None]


def _date(value: Any) -> DateValue:
    if isinstance(value, DateValue):
        return value
    parsed = date_of(value)
    if parsed is None:
        raise FormulaTypeError("not a date")
    return parsed


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise FormulaTypeError("not a list")
    return value


def _round(value: Any, places: Any = 0) -> float | int:
    digits = int(number(places))
    factor = 10**digits
    result = math.floor(number(value) * factor + 0.5) / factor
    return int(result) if digits <= 0 else result


def _concat(*values: Any) -> Any:
    if values and all(isinstance(v, list) for v in values):
        return [item for value in values for item in value]
    return "".join(text(v) for v in values)


def _slice(value: Any, start: Any, end: Any = None) -> Any:
    stop = None if end is None else int(number(end))
    if isinstance(value, list):
        return value[int(number(start)) : stop]
    return text(value)[int(number(start)) : stop]


def _substring(value: Any, start: Any, end: Any = None) -> str:
    stop = None if end is None else int(number(end))
    return text(value)[int(number(start)) : stop]


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(text(item) == text(needle) for item in haystack)
    return text(needle) in text(haystack)


def _includes(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(item == needle or text(item) == text(needle) for item in haystack)
    return text(needle) in text(haystack)


def _pad(value: Any, width: Any, fill: Any = " ", *, left: bool) -> str:
    content, size, pad = text(value), int(number(width)), text(fill) or " "
    missing = max(size - len(content), 0)
    padding = (pad * (missing // len(pad) + 1))[:missing]
    return padding + content if left else content + padding


def _add_to_date(value: Any, amount: Any, unit: Any, sign: int = 1) -> DateValue:
    moment = _date(value)
    count = int(number(amount)) * sign
    name = text(unit).rstrip("s")
    if name in ("year", "quarter", "month"):
        months = count * {"year": 12, "quarter": 3, "month": 1}[name]
        index = moment.start.year * 12 + moment.start.month - 1 + months
        year, month = divmod(index, 12)
        day = min(moment.start.day, monthrange(year, month + 1)[1])
        return DateValue(moment.start.replace(year=year, month=month + 1, day=day), None, moment.has_time)
    steps = {"week": 604800, "day": 86400, "hour": 3600, "minute": 60, "second": 1, "millisecond": 0.001}
    if name not in steps:
        raise FormulaTypeError(f"unknown unit {name}")
    return DateValue(moment.start + timedelta(seconds=count * steps[name]), None, moment.has_time)


def _between(first: Any, second: Any, unit: Any) -> int:
    a, b = _date(first).start, _date(second).start
    name = text(unit).rstrip("s")
    if name in ("year", "quarter", "month"):
        months = (a.year - b.year) * 12 + a.month - b.month
        if months > 0 and a.day < b.day:
            months -= 1
        return months // {"year": 12, "quarter": 3, "month": 1}[name]
    steps = {"week": 604800, "day": 86400, "hour": 3600, "minute": 60, "second": 1, "millisecond": 0.001}
    if name not in steps:
        raise FormulaTypeError(f"unknown unit {name}")
    return int((a - b).total_seconds() / steps[name])


_DATE_TOKEN = re.compile(r"YYYY|YY|MMMM|MMM|MM|M|dddd|ddd|DD|D|HH|H|hh|h|mm|ss|A")
_DATE_CODES = {
    "YYYY": "%Y", "YY": "%y", "MMMM": "%B", "MMM": "%b", "MM": "%m", "dddd": "%A", "ddd": "%a",
    "DD": "%d", "HH": "%H", "hh": "%I", "mm": "%M", "ss": "%S", "A": "%p",
}  # fmt: skip


def _format_date(value: Any, pattern: Any = "MMMM D, YYYY") -> str:
    """``formatDate`` with the common tokens (YYYY, MMMM, MM, M, DD, D, dddd, HH, hh, mm, ss, A)."""
    moment = _date(value).start

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in _DATE_CODES:
            return moment.strftime(_DATE_CODES[token])
        return str({"M": moment.month, "D": moment.day, "H": moment.hour, "h": moment.hour % 12 or 12}[token])

    return _DATE_TOKEN.sub(one, text(pattern))


def _person_field(value: Any, field: str) -> Any:
    if isinstance(value, list):
        return [_person_field(item, field) for item in value]
    if not isinstance(value, Person):
        raise FormulaTypeError("not a person")
    return getattr(value, field)


def _sorted(value: Any) -> list[Any]:
    def key(item: Any) -> tuple[int, float, str]:
        if isinstance(item, int | float) and not isinstance(item, bool):
            return (0, item, "")
        return (1, 0, text(item))

    return sorted(_list(value), key=key)


def _unique(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(value):
        if item not in out:
            out.append(item)
    return out


def _flat(value: Any) -> list[Any]:
    return [inner for item in _list(value) for inner in (item if isinstance(item, list) else [item])]


def _date_range(start: Any, end: Any) -> DateValue:
    first, last = _date(start), _date(end)
    return DateValue(first.start, last.start, first.has_time)


FUNCTIONS: dict[str, tuple[Impl, str]] = {
    # text
    "concat": (_concat, "first"),
    "join": (lambda items, sep="": text(sep).join(text(i) for i in _list(items)), "string"),
    "length": (lambda v: len(v) if isinstance(v, list | str) else len(text(v)), "number"),
    "substring": (_substring, "string"),
    "slice": (_slice, "first"),
    "contains": (_contains, "boolean"),
    "includes": (_includes, "boolean"),
    "test": (lambda v, pattern: re.search(text(pattern), text(v)) is not None, "boolean"),
    "match": (lambda v, pattern: re.findall(text(pattern), text(v)), "list"),
    "replace": (lambda v, pattern, new="": re.sub(text(pattern), text(new), text(v), count=1), "string"),
    "replaceAll": (lambda v, pattern, new="": re.sub(text(pattern), text(new), text(v)), "string"),
    "lower": (lambda v: text(v).lower(), "string"),
    "upper": (lambda v: text(v).upper(), "string"),
    "trim": (lambda v: text(v).strip(), "string"),
    "repeat": (lambda v, times: text(v) * int(number(times)), "string"),
    "padStart": (lambda v, width, fill=" ": _pad(v, width, fill, left=True), "string"),
    "padEnd": (lambda v, width, fill=" ": _pad(v, width, fill, left=False), "string"),
    "link": (lambda label, url="": text(label), "string"),
    "style": (lambda v, *styles: text(v), "string"),
    "unstyle": (lambda v, *styles: text(v), "string"),
    "format": (text, "string"),
    "split": (lambda v, sep=",": text(v).split(text(sep)) if text(sep) else list(text(v)), "list"),
    # numbers
    "add": (lambda a, b: text(a) + text(b) if isinstance(a, str) else number(a) + number(b), "first"),
    "subtract": (lambda a, b: number(a) - number(b), "number"),
    "multiply": (lambda a, b: number(a) * number(b), "number"),
    "divide": (lambda a, b: number(a) / number(b), "number"),
    "mod": (lambda a, b: math.fmod(number(a), number(b)), "number"),
    "pow": (lambda a, b: finite(float(number(a)) ** number(b)), "number"),
    "min": (lambda *v: min(_numbers(v)), "number"),
    "max": (lambda *v: max(_numbers(v)), "number"),
    "sum": (lambda *v: sum(_numbers(v)), "number"),
    "mean": (lambda *v: statistics.fmean(_numbers(v)), "number"),
    "median": (lambda *v: statistics.median(_numbers(v)), "number"),
    "abs": (lambda v: abs(number(v)), "number"),
    "round": (_round, "number"),
    "ceil": (lambda v: math.ceil(number(v)), "number"),
    "floor": (lambda v: math.floor(number(v)), "number"),
    "sqrt": (lambda v: math.sqrt(number(v)), "number"),
    "cbrt": (lambda v: math.copysign(abs(number(v)) ** (1 / 3), number(v)), "number"),
    "exp": (lambda v: math.exp(number(v)), "number"),
    "ln": (lambda v: math.log(number(v)), "number"),
    "log10": (lambda v: math.log10(number(v)), "number"),
    "log2": (lambda v: math.log2(number(v)), "number"),
    "sign": (lambda v: (number(v) > 0) - (number(v) < 0), "number"),
    "toNumber": (to_number, "number"),
    # dates
    "minute": (lambda d: _date(d).start.minute, "number"),
    "hour": (lambda d: _date(d).start.hour, "number"),
    "day": (lambda d: _date(d).start.isoweekday(), "number"),
    "date": (lambda d: _date(d).start.day, "number"),
    "week": (lambda d: _date(d).start.isocalendar()[1], "number"),
    "month": (lambda d: _date(d).start.month, "number"),
    "year": (lambda d: _date(d).start.year, "number"),
    "dateAdd": (lambda d, n, unit: _add_to_date(d, n, unit), "date"),
    "dateSubtract": (lambda d, n, unit: _add_to_date(d, n, unit, -1), "date"),
    "dateBetween": (_between, "number"),
    "dateRange": (_date_range, "date"),
    "dateStart": (lambda d: DateValue(_date(d).start, None, _date(d).has_time), "date"),
    "dateEnd": (lambda d: DateValue(_date(d).end or _date(d).start, None, _date(d).has_time), "date"),
    "timestamp": (lambda d: int(_date(d).start.timestamp() * 1000), "number"),
    "fromTimestamp": (lambda ms: DateValue(datetime.fromtimestamp(number(ms) / 1000, UTC)), "date"),
    "formatDate": (_format_date, "string"),
    "parseDate": (lambda s: _date(text(s)), "date"),
    # people
    "name": (lambda p: _person_field(p, "name"), "first"),
    "email": (lambda p: _person_field(p, "email"), "first"),
    # lists
    "at": (lambda items, i: _list(items)[int(number(i))], "item"),
    "first": (lambda items: _list(items)[0] if _list(items) else None, "item"),
    "last": (lambda items: _list(items)[-1] if _list(items) else None, "item"),
    "sort": (_sorted, "list"),
    "reverse": (lambda items: list(reversed(_list(items))), "list"),
    "unique": (_unique, "list"),
    "flat": (_flat, "list"),
    # formula 1.0 names, still understood
    "unaryMinus": (lambda v: -number(v), "number"),
    "unaryPlus": (to_number, "number"),
    "larger": (lambda a, b: number(a) > number(b), "boolean"),
    "largerEq": (lambda a, b: number(a) >= number(b), "boolean"),
    "smaller": (lambda a, b: number(a) < number(b), "boolean"),
    "smallerEq": (lambda a, b: number(a) <= number(b), "boolean"),
    "start": (lambda d: DateValue(_date(d).start, None, _date(d).has_time), "date"),
    "end": (lambda d: DateValue(_date(d).end or _date(d).start, None, _date(d).has_time), "date"),
    # logic
    "empty": (is_empty, "boolean"),
    "not": (lambda v: not v, "boolean"),
    "equal": (lambda a, b: a == b, "boolean"),
    "unequal": (lambda a, b: a != b, "boolean"),
}
