"""Text that came from Notion, made safe to show: the one function every output goes through.

Names, titles and messages are written by people (and by whoever can edit the workspace). Shown raw, a
title holding terminal escape sequences could retitle an operator's terminal or clear the screen, and a
right-to-left override could make `INVC-…-0001` read as something else. `printable` escapes every control
character (C0, DEL, C1) and every bidirectional formatting character as a visible `\\x1b` / `\\u202e`,
leaving all other text — accents, CJK, emoji with their joiners — as it is. `json_safe` does the same
inside JSON text (as JSON escapes, so the value read back is unchanged).
"""

from __future__ import annotations

import re

BIDI = frozenset(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)  # ALM, LRM, RLM, embeddings and overrides (LRE … RLO), isolates (LRI … PDI)
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f" + "".join(chr(c) for c in sorted(BIDI)) + "]"
)  # every C0 and C1 control character, DEL and the bidirectional controls


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """`text` (or its str()) with control and bidirectional characters shown as escapes."""
    value = text if isinstance(text, str) else str(text)
    if value.isprintable():
        return value
    return _UNSAFE.sub(_escape, value)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_safe(json_text: str) -> str:
    """JSON text with raw bidirectional and control characters (which can only stand inside its strings)
    written as JSON escapes: the same JSON value, safe to show."""
    if json_text.isprintable():
        return json_text
    return _UNSAFE.sub(_json_escape, json_text)


_ESCAPED = re.compile(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4})")


def cell_safe(text: object) -> str:
    """`printable`, reversibly (for an export's cells): backslashes are doubled first, so `cell_text`
    gives back exactly the text, control and bidirectional characters included."""
    value = text if isinstance(text, str) else str(text)  # a damaged log may hold anything
    if value.isprintable() and "\\" not in value:
        return value
    return _UNSAFE.sub(_escape, value.replace("\\", "\\\\"))


def cell_text(cell: str) -> str:
    """The text `cell_safe` wrote."""
    if "\\" not in cell:
        return cell

    def back(match: re.Match[str]) -> str:
        code = match.group(1)
        return "\\" if code == "\\" else chr(int(code[1:], 16))

    return _ESCAPED.sub(back, cell)
