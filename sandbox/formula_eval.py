"""Evaluating a formula's syntax tree for one page, and the type its value has.

Notion gives every formula a result type (number, string, boolean or date) when the formula is written, so an
empty result still reads as ``{"type": "number", "number": null}``. `result_type` infers it from the tree and
the types of the properties it reads; `formula_value` evaluates and answers in that type. An evaluation error
(a division by zero, an argument of the wrong type, a property that is gone) gives an empty value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.formula_functions import FUNCTIONS, SPECIAL_FORMS
from sandbox.formula_syntax import Node
from sandbox.formula_values import DateValue, FormulaTypeError, finite, kind_of, number, text

RESULT_TYPES = ("number", "string", "boolean", "date")
_ERRORS = (FormulaTypeError, TypeError, ValueError, ZeroDivisionError, OverflowError, KeyError, IndexError,
           RecursionError, AttributeError)  # fmt: skip
_LIST_LAMBDAS = frozenset({"map", "filter", "find", "findIndex", "some", "every"})


@dataclass
class Context:
    """What a formula reads: property values (by name or id), the page's id, and the time of `now()`."""

    lookup: Callable[[str], Any]
    page_id: str = ""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def _binary(op: str, left: Any, right: Any) -> Any:
    if op == "+":
        if isinstance(left, str) or isinstance(right, str):
            return text(left) + text(right)
        if left is None or right is None:
            return None
        return number(left) + number(right)
    if op in ("-", "*", "/", "%", "^"):
        if left is None or right is None:
            return None
        a, b = number(left), number(right)
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "^":
            return finite(float(a) ** b) if isinstance(a, float) or b < 0 else a**b
        return a / b if op == "/" else a % b
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if left is None or right is None:
        return False
    if isinstance(left, DateValue) and isinstance(right, DateValue):
        a2: Any = left.start
        b2: Any = right.start
    elif isinstance(left, str) or isinstance(right, str):
        a2, b2 = text(left), text(right)
    else:
        a2, b2 = number(left), number(right)
    return {"<": a2 < b2, "<=": a2 <= b2, ">": a2 > b2, ">=": a2 >= b2}[op]


def evaluate(tree: Node, context: Context, scope: dict[str, Any] | None = None) -> Any:
    """The value of `tree` (raises on evaluation errors; `formula_value` turns them into empties)."""
    env = scope or {}
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "list":
        return [evaluate(item, context, env) for item in tree[1]]
    if kind == "prop":
        return context.lookup(tree[1])
    if kind == "var":
        return _variable(tree[1], env)
    if kind == "neg":
        inner = evaluate(tree[1], context, env)
        return None if inner is None else -number(inner)
    if kind == "not":
        return not evaluate(tree[1], context, env)
    if kind == "cond":
        return evaluate(tree[2] if evaluate(tree[1], context, env) else tree[3], context, env)
    if kind == "bin":
        op = tree[1]
        left = evaluate(tree[2], context, env)
        if op in ("and", "&&"):
            return bool(left) and bool(evaluate(tree[3], context, env))
        if op in ("or", "||"):
            return bool(left) or bool(evaluate(tree[3], context, env))
        return _binary(op, left, evaluate(tree[3], context, env))
    name, args = tree[1], tree[2]
    if name in SPECIAL_FORMS:
        return _special(name, args, context, env)
    if name == "prop":
        raise FormulaTypeError("properties of related pages are not available in the sandbox")
    implementation = FUNCTIONS[name][0]
    return implementation(*(evaluate(arg, context, env) for arg in args))


def _variable(name: str, env: dict[str, Any]) -> Any:
    if name in env:
        return env[name]
    if name == "pi":
        return 3.141592653589793
    if name == "e":
        return 2.718281828459045
    raise KeyError(name)


def _special(name: str, args: tuple[Node, ...], context: Context, env: dict[str, Any]) -> Any:
    if name == "if":
        if len(args) != 3:
            raise FormulaTypeError("if() takes three arguments")
        return evaluate(args[1] if evaluate(args[0], context, env) else args[2], context, env)
    if name == "ifs":
        for at in range(0, len(args) - 1, 2):
            if evaluate(args[at], context, env):
                return evaluate(args[at + 1], context, env)
        return evaluate(args[-1], context, env) if len(args) % 2 else None
    if name in ("let", "lets"):
        inner = dict(env)
        for at in range(0, len(args) - 1, 2):
            if args[at][0] != "var":
                raise FormulaTypeError(f"{name}() binds names")
            inner[args[at][1]] = evaluate(args[at + 1], context, inner)
        return evaluate(args[-1], context, inner)
    if name == "and":
        return all(evaluate(arg, context, env) for arg in args)
    if name == "or":
        return any(evaluate(arg, context, env) for arg in args)
    if name == "now":
        return DateValue(context.now.replace(second=0, microsecond=0))
    if name == "today":
        return DateValue(context.now.replace(hour=0, minute=0, second=0, microsecond=0), has_time=False)
    if name == "id":
        return context.page_id.replace("-", "") if not args else text(evaluate(args[0], context, env))
    return _over_list(name, args, context, env)


def _over_list(name: str, args: tuple[Node, ...], context: Context, env: dict[str, Any]) -> Any:
    items = evaluate(args[0], context, env)
    if not isinstance(items, list) or len(args) != 2:
        raise FormulaTypeError(f"{name}() takes a list and an expression")
    results = [
        evaluate(args[1], context, {**env, "current": item, "index": index})
        for index, item in enumerate(items)
    ]
    if name == "map":
        return results
    if name == "filter":
        return [item for item, keep in zip(items, results, strict=True) if keep]
    if name == "find":
        return next((item for item, hit in zip(items, results, strict=True) if hit), None)
    if name == "findIndex":
        return next((index for index, hit in enumerate(results) if hit), -1)
    if name == "some":
        return any(results)
    return all(results)


def result_type(tree: Node, prop_type: Callable[[str], str], scope: dict[str, str] | None = None) -> str:
    """The formula type of `tree`'s value: number, string, boolean, date, list, person or unknown.

    `prop_type` gives the formula type of a property by name or id."""
    env = scope or {}
    kind = tree[0]
    if kind == "lit":
        return kind_of(tree[1]) if tree[1] is not None else "unknown"
    if kind == "list":
        return "list"
    if kind == "prop":
        return prop_type(tree[1])
    if kind == "var":
        return env.get(tree[1], "number" if tree[1] in ("pi", "e", "index") else "unknown")
    if kind == "neg":
        return "number"
    if kind == "not":
        return "boolean"
    if kind == "cond":
        return _either(result_type(tree[2], prop_type, env), result_type(tree[3], prop_type, env))
    if kind == "bin":
        op = tree[1]
        if op == "+":
            sides = (result_type(tree[2], prop_type, env), result_type(tree[3], prop_type, env))
            return "string" if "string" in sides else "number"
        return "number" if op in ("-", "*", "/", "%", "^") else "boolean"
    return _call_type(tree[1], tree[2], prop_type, env)


def _call_type(
    name: str, args: tuple[Node, ...], prop_type: Callable[[str], str], env: dict[str, str]
) -> str:
    if name in ("if", "ifs"):
        branches = [args[i] for i in range(1, len(args), 2)] + ([args[-1]] if len(args) % 2 else [])
        found = "unknown"
        for branch in branches:
            found = _either(found, result_type(branch, prop_type, env))
        return found
    if name in ("let", "lets"):
        inner = dict(env)
        for at in range(0, len(args) - 1, 2):
            if args[at][0] == "var":
                inner[args[at][1]] = result_type(args[at + 1], prop_type, inner)
        return result_type(args[-1], prop_type, inner) if args else "unknown"
    returns = SPECIAL_FORMS.get(name) or (FUNCTIONS[name][1] if name in FUNCTIONS else "unknown")
    if returns == "first":
        first = result_type(args[0], prop_type, env) if args else "unknown"
        if first == "list":
            return "list"
        if name == "add":
            return "string" if first == "string" else "number"
        return "string"
    if returns in ("item", "first-branch", "body"):
        return "unknown"
    return returns


def _either(first: str, second: str) -> str:
    return second if first == "unknown" else first


def formula_value(tree: Node | None, context: Context, prop_type: Callable[[str], str]) -> dict[str, Any]:
    """The formula value in response shape: ``{"type": "number", "number": 3}`` and so on."""
    declared = "string" if tree is None else result_type(tree, prop_type)
    try:
        value = None if tree is None else evaluate(tree, context)
    except _ERRORS:
        value = None
    if declared not in RESULT_TYPES:
        declared = {"number": "number", "boolean": "boolean", "date": "date"}.get(kind_of(value), "string")
    return {"type": declared, declared: _as(declared, value)}


def _as(declared: str, value: Any) -> Any:
    if value is None:
        return None
    if declared == "number":
        return finite(value) if kind_of(value) == "number" else None
    if declared == "boolean":
        return bool(value)
    if declared == "date":
        return value.to_json() if isinstance(value, DateValue) else None
    return text(value)
