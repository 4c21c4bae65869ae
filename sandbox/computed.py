"""Formula and rollup values: a small expression language and the rollup functions, both pure.

Formulas understand ``prop("Name")``, number/string/boolean literals, ``+ - * / %``, comparisons
(``== != < <= > >=``), ``and``/``or``/``not`` (also ``&& || !``), parentheses and a handful of functions
(:data:`FUNCTIONS`). An evaluation error (a division by zero, a type mismatch) gives an empty value, as a
broken formula cell shows nothing in Notion.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from typing import Any

from sandbox.errors import NotionError, validation

Node = tuple[Any, ...]
Lookup = Callable[[str], Any]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d*)?|\.\d+)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/%<>!(),])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_BINARY = {
    "or": 1, "||": 1,
    "and": 2, "&&": 2,
    "==": 3, "!=": 3,
    "<": 4, "<=": 4, ">": 4, ">=": 4,
    "+": 5, "-": 5,
    "*": 6, "/": 6, "%": 6,
}  # fmt: skip


class FormulaError(Exception):
    pass


def _tokens(source: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        match = _TOKEN.match(source, pos)
        if match is None or match.end() == pos:
            raise FormulaError(f"Unexpected character at {pos}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, source: str) -> None:
        self.items = _tokens(source)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, text: str | None = None) -> tuple[str, str]:
        item = self.peek()
        if item is None or (text is not None and item[1] != text):
            raise FormulaError(f"Expected {text or 'a value'}")
        self.at += 1
        return item

    def expression(self, min_power: int = 1) -> Node:
        left = self.unary()
        while (item := self.peek()) is not None and item[1] in _BINARY and _BINARY[item[1]] >= min_power:
            self.at += 1
            right = self.expression(_BINARY[item[1]] + 1)
            left = ("bin", item[1], left, right)
        return left

    def unary(self) -> Node:
        item = self.peek()
        if item is not None and item[1] in ("-", "!", "not"):
            self.at += 1
            return ("neg" if item[1] == "-" else "not", self.unary())
        return self.atom()

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return ("lit", float(text) if "." in text else int(text))
        if kind == "string":
            return ("lit", bytes(text[1:-1], "utf-8").decode("unicode_escape"))
        if text == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if kind == "name":
            if text in ("true", "false"):
                return ("lit", text == "true")
            if self.peek() == ("op", "("):
                self.take("(")
                args: list[Node] = []
                if self.peek() != ("op", ")"):
                    args.append(self.expression())
                    while self.peek() == ("op", ","):
                        self.take(",")
                        args.append(self.expression())
                self.take(")")
                if text == "prop":
                    if len(args) != 1 or args[0][0] != "lit" or not isinstance(args[0][1], str):
                        raise FormulaError('prop() takes one property name, e.g. prop("Name")')
                    return ("prop", args[0][1])
                if text not in FUNCTIONS:
                    raise FormulaError(f"Unknown function {text}()")
                return ("call", text, tuple(args))
        raise FormulaError(f"Unexpected {text!r}")


def parse_formula(expression: str) -> Node:
    """The syntax tree of ``expression``; a malformed one is a 400 validation_error."""
    try:
        parser = _Parser(expression)
        tree = parser.expression()
        if parser.peek() is not None:
            raise FormulaError(f"Unexpected {parser.peek()[1]!r}")  # type: ignore[index]
    except (FormulaError, RecursionError, UnicodeDecodeError) as exc:
        raise validation(f"Formula is invalid: {exc}.") from None
    return tree


def referenced_properties(tree: Node) -> set[str]:
    if tree[0] == "prop":
        return {tree[1]}
    found: set[str] = set()
    for part in tree[1:]:
        if isinstance(part, tuple):
            for sub in part if part and isinstance(part[0], tuple) else (part,):
                if isinstance(sub, tuple):
                    found |= referenced_properties(sub)
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _number(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    return value


def _round(value: Any, places: Any = 0) -> float | int:
    factor = 10 ** int(_number(places))
    result = math.floor(_number(value) * factor + 0.5) / factor
    return int(result) if places == 0 else result


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "if": lambda c, a, b: a if c else b,
    "concat": lambda *parts: "".join(_text(p) for p in parts),
    "length": lambda v: len(v) if isinstance(v, list | str) else len(_text(v)),
    "lower": lambda v: _text(v).lower(),
    "upper": lambda v: _text(v).upper(),
    "format": _text,
    "toNumber": lambda v: float(_text(v)) if "." in _text(v) else int(_text(v)),
    "round": _round,
    "floor": lambda v: math.floor(_number(v)),
    "ceil": lambda v: math.ceil(_number(v)),
    "abs": lambda v: abs(_number(v)),
    "min": lambda *v: min(_number(x) for x in v),
    "max": lambda *v: max(_number(x) for x in v),
    "empty": lambda v: v is None or v == "" or v == [] or v is False or v == 0,
    "not": lambda v: not v,
    "contains": lambda hay, needle: _text(needle) in _text(hay),
    "replaceAll": lambda v, old, new: _text(v).replace(_text(old), _text(new)),
}


def _binary(op: str, left: Any, right: Any) -> Any:
    if op == "+":
        if isinstance(left, str) or isinstance(right, str):
            return _text(left) + _text(right)
        return _number(left) + _number(right)
    if op in ("-", "*", "/", "%"):
        a, b = _number(left), _number(right)
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return a / b if op == "/" else a % b
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op in ("<", "<=", ">", ">="):
        if isinstance(left, str) or isinstance(right, str):
            a2: Any = _text(left)
            b2: Any = _text(right)
        else:
            a2, b2 = _number(left), _number(right)
        return {"<": a2 < b2, "<=": a2 <= b2, ">": a2 > b2, ">=": a2 >= b2}[op]
    if op in ("and", "&&"):
        return bool(left) and bool(right)
    return bool(left) or bool(right)


def _evaluate(tree: Node, lookup: Lookup) -> Any:
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "prop":
        return lookup(tree[1])
    if kind == "neg":
        return -_number(_evaluate(tree[1], lookup))
    if kind == "not":
        return not _evaluate(tree[1], lookup)
    if kind == "bin":
        op = tree[1]
        left = _evaluate(tree[2], lookup)
        if op in ("and", "&&") and not left:
            return False
        if op in ("or", "||") and left:
            return True
        return _binary(op, left, _evaluate(tree[3], lookup))
    name, args = tree[1], tree[2]
    if name == "if":
        if len(args) != 3:
            raise TypeError("if() takes three arguments")
        return _evaluate(args[1] if _evaluate(args[0], lookup) else args[2], lookup)
    return FUNCTIONS[name](*(_evaluate(a, lookup) for a in args))


def evaluate_formula(tree: Node, lookup: Lookup) -> dict[str, Any]:
    """The formula value in response shape: ``{"type": "number", "number": 3}`` and so on."""
    try:
        value = _evaluate(tree, lookup)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, KeyError, RecursionError):
        value = None
    if isinstance(value, bool):
        return {"type": "boolean", "boolean": value}
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return {"type": "number", "number": None}
        return {"type": "number", "number": value}
    if isinstance(value, list):
        value = _text(value)
    return {"type": "string", "string": value}


NUMBER_ROLLUPS = frozenset(
    {
        "count",
        "count_values",
        "empty",
        "not_empty",
        "unique",
        "sum",
        "average",
        "median",
        "min",
        "max",
        "range",
    }
)
ROLLUP_FUNCTIONS = NUMBER_ROLLUPS | {"show_original", "show_unique"}


def rollup_value(
    function: str, items: Sequence[dict[str, Any]], numbers: Sequence[float | int]
) -> dict[str, Any]:
    """The rollup value from the related pages' property values (``items``, in property_item shape without
    ids) and the numbers among them."""
    if function in ("show_original", "show_unique"):
        shown = list(items)
        if function == "show_unique":
            unique: list[dict[str, Any]] = []
            for item in shown:
                if item not in unique:
                    unique.append(item)
            shown = unique
        return {"type": "array", "array": shown, "function": function}
    filled = [item for item in items if not _is_empty_item(item)]
    result: float | int | None
    if function == "count":
        result = len(items)
    elif function == "count_values":
        result = len(filled)
    elif function == "empty":
        result = len(items) - len(filled)
    elif function == "not_empty":
        result = len(filled)
    elif function == "unique":
        result = len({repr(item) for item in filled})
    elif not numbers:
        result = None if function != "sum" else 0
    elif function == "sum":
        result = sum(numbers)
    elif function == "average":
        result = sum(numbers) / len(numbers)
    elif function == "median":
        result = statistics.median(numbers)
    elif function == "min":
        result = min(numbers)
    elif function == "max":
        result = max(numbers)
    else:
        result = max(numbers) - min(numbers)
    return {"type": "number", "number": result, "function": function}


def _is_empty_item(item: dict[str, Any]) -> bool:
    value = item.get(item.get("type", ""))
    return value is None or value == [] or value == "" or value is False


def check_rollup_function(function: object) -> str:
    if not isinstance(function, str) or function not in ROLLUP_FUNCTIONS:
        options = ", ".join(f"`{f}`" for f in sorted(ROLLUP_FUNCTIONS))
        raise validation(
            f"body failed validation: rollup.function should be one of {options}, instead was `{function!r}`."
        )
    return function


__all__ = ["NotionError", "evaluate_formula", "parse_formula", "rollup_value"]
