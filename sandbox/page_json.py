"""A page's JSON text written straight from the page, for a query page that shows it for the first time.

`sandbox.render.page_texts` keeps the text of each page a query returns. The first time, building the page
object (`sandbox.render.full_page`), copying it for the response and encoding it costs about five times
what a cached page does: the JSON encoder of Python 3.11 pays for every key and nested object of the
page's rich text, options and users. `page_json` writes the same text from the page itself, the page
object never built: what every page of a data source shares (each property's ``{"id", "type"`` prefix,
its parent) is encoded once per answer (`Layout`), and the commonest stored values (text rich text with or
without annotations, options) are written through templates, after checking that they have exactly the
shape the template writes; anything else is encoded by `sandbox.json_text.text_of` as it was.

The text is byte for byte `text_of(for_response(full_page(store, page)))`: tests/sandbox/test_page_json.py
compares the two over every property type and over generated values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.json_text import encode_string, text_of
from sandbox.property_values import COMPUTED, property_value
from sandbox.records import DataSource, Page
from sandbox.rich_text import ANNOTATION_DEFAULTS, plain_text
from sandbox.values import empty_value

if TYPE_CHECKING:
    from sandbox.store import SandboxStore

RELATION_LIMIT = 25
# A run of characters `str.isalnum` holds for: word characters (`\w`: alphanumeric or "_") but "_".
_ALNUM_RUN = re.compile(r"[^\W_]+")
_ITEM_KEYS = ("type", "text", "annotations", "plain_text", "href")
_TEXT_KEYS = ("content", "link")
_OPTION_KEYS = ("id", "name", "color")
_ABSENT = object()
_ANNOTATION_KEYS = tuple(ANNOTATION_DEFAULTS)
_DEFAULT_ANNOTATION_VALUES = tuple(ANNOTATION_DEFAULTS.values())  # five flags False, then the color
_DEFAULT_ANNOTATIONS_TEXT = text_of(ANNOTATION_DEFAULTS)


def trimmed(value: dict[str, Any]) -> dict[str, Any]:
    """A property value as a response shows it: a relation cut to its first 25 references."""
    if value["type"] == "relation" and len(value["relation"]) > RELATION_LIMIT:
        return {**value, "relation": value["relation"][:RELATION_LIMIT], "has_more": True}
    return value


def page_url(page_id: str, title: str) -> str:
    """The page's ``url``: its title's runs of letters and digits (`str.isalnum`) joined by dashes, then its
    compact id."""
    slug = "-".join(_ALNUM_RUN.findall(title))
    compact = page_id.replace("-", "")
    return f"https://www.notion.so/{slug}-{compact}" if slug else f"https://www.notion.so/{compact}"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value.__class__ is str:
        return encode_string(value)
    return text_of(value)


def _annotations(value: Any) -> str:
    if value.__class__ is dict and tuple(value) == _ANNOTATION_KEYS:
        given = tuple(value.values())
        if (
            given == _DEFAULT_ANNOTATION_VALUES  # equal: False, or 0 (written 0), for each flag
            and given[0] is False
            and given[1] is False
            and given[2] is False
            and given[3] is False
            and given[4] is False
            and given[5].__class__ is str
        ):
            return _DEFAULT_ANNOTATIONS_TEXT
    return text_of(value)


def _rich_text_item(item: Any) -> str:
    if item.__class__ is dict and tuple(item) == _ITEM_KEYS and item["type"] == "text":
        text = item["text"]
        if text.__class__ is dict and tuple(text) == _TEXT_KEYS:
            content = text["content"]
            plain = item["plain_text"]
            if content.__class__ is str and plain.__class__ is str:
                return (
                    f'{{"type":"text","text":{{"content":{encode_string(content)},"link":{_scalar(text["link"])}}},'
                    f'"annotations":{_annotations(item["annotations"])},"plain_text":{encode_string(plain)},'
                    f'"href":{_scalar(item["href"])}}}'
                )
    return text_of(item)


def _rich_text(value: Any) -> str:
    if value.__class__ is list:
        return f"[{','.join([_rich_text_item(item) for item in value])}]"
    return text_of(value)


def _option(value: Any) -> str:
    if value.__class__ is dict and tuple(value) == _OPTION_KEYS:
        option_id, name, color = value["id"], value["name"], value["color"]
        if option_id.__class__ is str and name.__class__ is str and color.__class__ is str:
            return (
                f'{{"id":{encode_string(option_id)},"name":{encode_string(name)},'
                f'"color":{encode_string(color)}}}'
            )
    return text_of(value)


def _number(value: Any) -> str:
    return str(value) if value.__class__ is int else _scalar(value)


# How a stored value of each property type is written (any other type: `text_of`).
_WRITERS: dict[str, Callable[[Any], str]] = {
    "title": _rich_text,
    "rich_text": _rich_text,
    "select": _option,
    "status": _option,
    "number": _number,
    "checkbox": _scalar,
    "url": _scalar,
    "email": _scalar,
    "phone_number": _scalar,
}


class Layout:
    """What the texts of a data source's pages share, for one answer (the schema may change after it)."""

    def __init__(self, store: SandboxStore, source: DataSource) -> None:
        self.store = store
        self.source = source
        # Per property, its name and definition, then for a stored type (None for a computed one): the text
        # before its value, how its value is written, and its text when the page has no value for it.
        self.properties: list[tuple[str, dict[str, Any], tuple[str, Callable[[Any], str], str] | None]] = []
        self.title: str | None = None  # the id of the first title property (the page's url reads it)
        for name, prop in source.properties.items():
            kind = prop["type"]
            stored = None
            if kind not in COMPUTED:
                prefix = (
                    f'{text_of(name)}:{{"id":{text_of(prop["id"])},"type":{text_of(kind)},{text_of(kind)}:'
                )
                write = _WRITERS.get(kind, text_of)
                stored = prefix, write, f"{prefix}{write(empty_value(kind))}}}"
                if kind == "title" and self.title is None:
                    self.title = prop["id"]
            self.properties.append((name, prop, stored))
        self._parent: tuple[tuple[tuple[str, Any], ...], str] | None = None
        self._users: dict[Any, str] = {}

    def parent(self, parent: Any) -> str:
        """The text of a page's parent (the pages of a data source share theirs)."""
        if parent.__class__ is not dict:
            return text_of(parent)
        items = tuple(parent.items())
        if self._parent is not None and items == self._parent[0]:
            return self._parent[1]
        text = text_of(parent)
        if all(value.__class__ is str for _, value in items):
            self._parent = items, text
        return text

    def user(self, user_id: Any) -> str:
        """The text of a page's ``created_by`` or ``last_edited_by`` (a user reference)."""
        if user_id.__class__ is not str:
            return text_of({"object": "user", "id": user_id})
        text = self._users.get(user_id)
        if text is None:
            text = self._users[user_id] = f'{{"object":"user","id":{encode_string(user_id)}}}'
        return text


def page_json(layout: Layout, page: Page) -> str:
    """`text_of(for_response(full_page(store, page)))` for a page of `layout`'s data source."""
    store, source, values = layout.store, layout.source, page.values
    texts = []
    for name, prop, stored in layout.properties:
        if stored is None:
            value = trimmed(property_value(store, page, source, prop, 0))
            texts.append(f"{text_of(name)}:{text_of(value)}")
        else:
            value = values.get(prop["id"], _ABSENT)
            texts.append(stored[2] if value is _ABSENT else f"{stored[0]}{stored[1](value)}}}")
    title = "" if layout.title is None else plain_text(values.get(layout.title, []))
    bot = store.bot_id
    trashed = _scalar(page.in_trash)
    return (
        f'{{"object":"page","id":{_scalar(page.id)},"created_time":{_scalar(page.created_time)},'
        f'"last_edited_time":{_scalar(page.last_edited_time)},'
        f'"created_by":{layout.user(page.created_by or bot)},'
        f'"last_edited_by":{layout.user(page.last_edited_by or bot)},'
        f'"cover":{_scalar(page.cover)},"icon":{_scalar(page.icon)},"parent":{layout.parent(page.parent)},'
        f'"in_trash":{trashed},"is_archived":false,"is_locked":{_scalar(page.is_locked)},'
        f'"properties":{{{",".join(texts)}}},"url":{_scalar(page_url(page.id, title))},'
        f'"public_url":null,"archived":{trashed}}}'
    )
