"""JSON as the sandbox answers it: compact UTF-8 text, with lists whose items were encoded before.

A page object is encoded once and its text kept with it (`sandbox.render.page_texts`), so that a query page
of 100 cached pages costs joining 100 texts rather than encoding 100 objects again (about 2.5 ms). An
`Encoded` list at the top of a payload is spliced in as it is: the answer is byte for byte what encoding
the items themselves would give.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Sequence
from typing import Any


class Encoded(list[str]):
    """A JSON list given as the texts of its items, each encoded by `text_of`."""

    __slots__ = ()


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_Make = Callable[..., Callable[[Any, int], Sequence[str]]]


def _c_encoder() -> Callable[[Any, int], Sequence[str]] | None:
    """The C encoder `json.dumps` runs, made once rather than per call (which costs a page of 100 texts a
    quarter of what encoding them does), without the check for circular references (a payload is a tree)."""
    make: _Make | None = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    return make(None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)


_C_ENCODE = _c_encoder()
encode_string: Callable[[str], str] = json.encoder.encode_basestring
"""A string as JSON text, as `text_of` writes it (the very function its encoder calls for strings)."""


def text_of(value: Any) -> str:
    """`value` as compact JSON text (non-ASCII characters as they are), as `json.dumps` gives it."""
    if _C_ENCODE is None:
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


def encode_json(payload: Any) -> bytes:
    """`payload` as UTF-8 JSON; an `Encoded` value of a top-level key is the list of its texts."""
    if not isinstance(payload, dict) or not any(isinstance(value, Encoded) for value in payload.values()):
        return text_of(payload).encode("utf-8")
    parts: list[str] = []  # joined once: the texts of a page of results are copied as few times as can be
    for key, value in payload.items():
        parts += ("," if parts else "{", text_of(key), ":")
        parts += ("[", ",".join(value), "]") if isinstance(value, Encoded) else (text_of(value),)
    parts.append("}")
    return "".join(parts).encode("utf-8")
