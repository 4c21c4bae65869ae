"""Notion formulas (formula 2.0), read into a syntax tree.

The language: number, string and boolean literals, lists (``[1, 2]``), ``prop("Name")`` (also the
``{{notion:block_property:<id>:…}}`` form Notion writes back), ``+ - * / % ^``, comparisons,
``and or not`` (also ``&& || !``), the ternary ``c ? a : b``, function calls ``f(x, y)`` and method calls
``x.f(y)`` (the same as ``f(x, y)``), variables bound by ``let``/``lets`` and the ``current``/``index`` of
list functions, the constants ``pi`` and ``e``, and ``/* comments */``. A tree is made of tuples:

- ``("lit", value)``, ``("list", items)``, ``("prop", name_or_id)``, ``("var", name)``
- ``("call", name, args)``, ``("bin", op, left, right)``, ``("neg", x)``, ``("not", x)``,
  ``("cond", c, a, b)``

A malformed formula or an unknown function is a 400 ``validation_error``, as when Notion refuses a formula.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from sandbox.errors import validation
from sandbox.formula_functions import FUNCTIONS, SPECIAL_FORMS

Node = tuple[Any, ...]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<comment>/\*.*?\*/)
      | (?P<propref>\{\{notion:block_property:(?P<pid>[^:}]+)(?::[^}]*)?\}\})
      | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>==|!=|<=|>=|&&|\|\||\*\*|[-+*/%^<>!(),.?:\[\]])
      | (?P<name>[^\W\d]\w*)
    )""",
    re.VERBOSE | re.DOTALL,
)
_BINARY = {
    "or": 1, "||": 1,
    "and": 2, "&&": 2,
    "==": 3, "!=": 3,
    "<": 4, "<=": 4, ">": 4, ">=": 4,
    "+": 5, "-": 5,
    "*": 6, "/": 6, "%": 6,
    "^": 7, "**": 7,
}  # fmt: skip
_RIGHT = frozenset({"^", "**"})
CONSTANTS = frozenset({"true", "false", "pi", "e"})


class FormulaError(Exception):
    pass


def _tokens(source: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        if not source[pos:].strip():
            break
        match = _TOKEN.match(source, pos)
        if match is None or match.end() == pos:
            raise FormulaError(f"Unexpected character at {pos}")
        pos = match.end()
        kind = match.lastgroup or ""
        if kind == "comment":
            continue
        if kind in ("propref", "pid"):
            out.append(("propref", unquote(match.group("pid"))))
        else:
            out.append((kind, match.group(kind)))
    return out


def _string(text: str) -> str:
    if text[0] == "'":
        text = '"' + text[1:-1].replace('\\"', '"').replace('"', '\\"') + '"'
    try:
        value = json.loads(text)
    except ValueError:
        value = text[1:-1]
    return str(value)


class _Parser:
    def __init__(self, source: str) -> None:
        self.items = _tokens(source)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def peek_text(self) -> str | None:
        item = self.peek()
        return None if item is None or item[0] == "string" else item[1]

    def take(self, text: str | None = None) -> tuple[str, str]:
        item = self.peek()
        if item is None or (text is not None and (item[1] != text or item[0] == "string")):
            raise FormulaError(f"Expected {text or 'a value'}")
        self.at += 1
        return item

    def expression(self) -> Node:
        condition = self.binary(1)
        if self.peek_text() == "?":
            self.take("?")
            yes = self.expression()
            self.take(":")
            no = self.expression()
            return ("cond", condition, yes, no)
        return condition

    def binary(self, min_power: int) -> Node:
        left = self.unary()
        while (op := self.peek_text()) in _BINARY and _BINARY[op] >= min_power:
            self.at += 1
            power = _BINARY[op]
            right = self.binary(power if op in _RIGHT else power + 1)
            left = ("bin", "^" if op == "**" else op, left, right)
        return left

    def unary(self) -> Node:
        text = self.peek_text()
        if text in ("-", "!", "not"):
            self.at += 1
            operand = self.unary() if text == "-" else self.binary(3)
            return ("neg" if text == "-" else "not", operand)
        if text == "+":
            self.at += 1
            return self.unary()
        return self.postfix(self.atom())

    def postfix(self, node: Node) -> Node:
        while self.peek_text() == ".":
            self.take(".")
            kind, name = self.take()
            if kind != "name":
                raise FormulaError(f"Unexpected {name!r} after '.'")
            args = self.arguments() if self.peek_text() == "(" else []
            node = self.call(name, [node, *args])
        return node

    def arguments(self) -> list[Node]:
        self.take("(")
        args: list[Node] = []
        if self.peek_text() != ")":
            args.append(self.expression())
            while self.peek_text() == ",":
                self.take(",")
                args.append(self.expression())
        self.take(")")
        return args

    def call(self, name: str, args: list[Node]) -> Node:
        if name == "prop":
            target = args[-1] if args else None
            if target is None or target[0] != "lit" or not isinstance(target[1], str):
                raise FormulaError('prop() takes one property name, e.g. prop("Name")')
            if len(args) == 2:
                return ("call", "prop", (args[0], target))
            return ("prop", target[1])
        if name not in FUNCTIONS and name not in SPECIAL_FORMS:
            raise FormulaError(f"Unknown function {name}()")
        return ("call", name, tuple(args))

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            number = float(text)
            whole = number.is_integer() and not any(mark in text for mark in ".eE")
            return ("lit", int(number) if whole else number)
        if kind == "string":
            return ("lit", _string(text))
        if kind == "propref":
            return ("prop", text)
        if text == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if text == "[":
            items: list[Node] = []
            if self.peek_text() != "]":
                items.append(self.expression())
                while self.peek_text() == ",":
                    self.take(",")
                    items.append(self.expression())
            self.take("]")
            return ("list", tuple(items))
        if kind == "name":
            if self.peek_text() == "(":
                return self.call(text, self.arguments())
            if text in ("true", "false"):
                return ("lit", text == "true")
            return ("var", text)
        raise FormulaError(f"Unexpected {text!r}")


def parse_formula(expression: str) -> Node:
    """The syntax tree of ``expression``; a malformed one is a 400 validation_error."""
    try:
        parser = _Parser(expression)
        if parser.peek() is None:
            raise FormulaError("The formula is empty")
        tree = parser.expression()
        leftover = parser.peek()
        if leftover is not None:
            raise FormulaError(f"Unexpected {leftover[1]!r}")
    except (FormulaError, RecursionError) as exc:
        raise validation(f"Formula is invalid: {exc}.") from None
    return tree
