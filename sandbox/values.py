"""Property values: request shapes in, the stored (= response) inner value out.

A stored value is what follows the type key in a page's property, e.g. the list of rich text objects of a
title or ``{"id", "name", "color"}`` of a select; a relation is stored as the list of related page ids.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.errors import NotionError, body_invalid, validation
from sandbox.ids import maybe_id, new_id
from sandbox.rich_text import MAX_ARRAY, check_array, rich_text

READ_ONLY = frozenset(
    {"formula", "rollup", "unique_id", "created_time", "last_edited_time", "created_by", "last_edited_by",
     "button"}
)  # fmt: skip
PLACE_KEYS = ("name", "address", "aws_place_id", "google_place_id")
COLORS = ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")

UserLookup = Callable[[str], dict[str, Any]]


def icon_or_cover(body: dict[str, Any], key: str) -> Any:
    """``body[key]`` as an icon or cover: an object or null (a file upload is not supported: a 400, as for a
    value Notion does not know)."""
    value = body.get(key)
    if value is not None and not isinstance(value, dict):
        raise body_invalid(f"body.{key}", "an object or `null`", value)
    if isinstance(value, dict) and (value.get("type") == "file_upload" or "file_upload" in value):
        raise validation(f"body failed validation: body.{key}.file_upload is not supported by the sandbox.")
    return value


def empty_value(kind: str) -> Any:
    if kind in ("title", "rich_text", "multi_select", "people", "files", "relation"):
        return []
    if kind == "checkbox":
        return False
    return None


def parse_date(value: Any, path: str) -> dict[str, Any] | None:
    """A date value as Notion answers it: ``time_zone`` is always null, and a time given with a time zone
    comes back with that zone's UTC offset (a time without zone or offset is UTC)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise body_invalid(path, "an object or `null`", value)
    zone_name = value.get("time_zone")
    if zone_name is not None and not isinstance(zone_name, str):
        raise body_invalid(f"{path}.time_zone", "a string or `null`", zone_name)
    zone: tzinfo | None = None
    if zone_name:
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise body_invalid(f"{path}.time_zone", "a valid IANA time zone", zone_name) from None
    start = _date_text(value.get("start"), f"{path}.start", zone, required=True)
    end = _date_text(value.get("end"), f"{path}.end", zone, required=False)
    return {"start": start, "end": end, "time_zone": None}


def _date_text(value: Any, path: str, zone: tzinfo | None, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise body_invalid(path, "a string", value)
    try:
        if len(value) == 10:
            datetime.strptime(value, "%Y-%m-%d")
            return value
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise body_invalid(path, "a valid ISO 8601 date string", value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or UTC)
    elif zone is not None:
        moment = moment.astimezone(zone)
    offset = moment.strftime("%z")
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}{offset[:3]}:{offset[3:]}"
    )


def _option_ref(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not (
        isinstance(value.get("name"), str) or isinstance(value.get("id"), str)
    ):
        raise body_invalid(f"{path}.name", "defined", value)
    return value


def choose_option(
    prop: dict[str, Any], value: Any, path: str, *, create: bool
) -> tuple[dict[str, Any], bool]:
    """The option a select/status/multi_select write names; a new select option is created (``True``)."""
    kind = prop["type"]
    ref = _option_ref(value, path)
    options: list[dict[str, Any]] = prop[kind].setdefault("options", [])
    for option in options:
        if ("id" in ref and option["id"] == ref["id"]) or (
            "id" not in ref and option["name"] == ref.get("name")
        ):
            return {"id": option["id"], "name": option["name"], "color": option["color"]}, False
    name = ref.get("name")
    if not create or not isinstance(name, str):
        if kind == "status":
            shown = name if isinstance(name, str) else ref.get("id")
            raise validation(f'Invalid status option. Status option "{shown}" does not exist".')
        raise validation(f"{prop['name']} option with id {ref.get('id')} does not exist.")
    if "," in name:
        raise validation(f"Invalid select option, commas not allowed: {name}")
    if len(options) >= MAX_ARRAY:
        raise validation(f"Cannot create more than {MAX_ARRAY} options for {prop['name']}.")
    color = ref.get("color", "default")
    if color not in COLORS:
        raise body_invalid(f"{path}.color", "a valid color", color)
    option = {"id": new_id(), "name": name, "color": color, "description": None}
    options.append(option)
    return {"id": option["id"], "name": name, "color": color}, True


def parse_value(
    prop: dict[str, Any], raw: Any, path: str, users: UserLookup, actor: str = ""
) -> tuple[Any, bool]:
    """The stored value for a write of ``raw`` to ``prop``, and whether a select option was created.

    ``raw`` is what followed the property name: ``{"number": 3}`` or, for list-valued types, the bare list.
    Relations come back as a list of page ids, not yet checked against the store.
    """
    kind = prop["type"]
    name = prop["name"]
    if isinstance(raw, dict):
        known = [key for key in raw if key not in ("type", "id", "name")]
        if kind not in raw:
            if known and known[0] != kind:
                raise validation(f"{name} is expected to be {kind}.")
            raise body_invalid(f"{path}.{kind}", "defined", None)
        value = raw[kind]
    elif isinstance(raw, list) and kind in (
        "title",
        "rich_text",
        "relation",
        "multi_select",
        "people",
        "files",
    ):
        value = raw
    else:
        raise body_invalid(path, "an object", raw)
    path = f"{path}.{kind}"
    if kind in READ_ONLY:
        raise validation(f"{name} is a {kind} property and cannot be written.")
    if kind in ("title", "rich_text"):
        return rich_text(value, path), False
    if kind == "number":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise body_invalid(path, "a number or `null`", value)
        return value, False
    if kind == "checkbox":
        if not isinstance(value, bool):
            raise body_invalid(path, "a boolean", value)
        return value, False
    if kind in ("url", "email", "phone_number"):
        if value is not None and not isinstance(value, str):
            raise body_invalid(path, "a string or `null`", value)
        return (value or None), False
    if kind in ("select", "status"):
        if value is None:
            return None, False
        return choose_option(prop, value, path, create=kind == "select")
    if kind == "multi_select":
        chosen: list[dict[str, Any]] = []
        created = False
        for i, item in enumerate(check_array(value, path)):
            option, new = choose_option(prop, item, f"{path}[{i}]", create=True)
            created |= new
            if option not in chosen:
                chosen.append(option)
        return chosen, created
    if kind == "date":
        return parse_date(value, path), False
    if kind == "relation":
        ids: list[str] = []
        for i, item in enumerate(check_array(value, path)):
            page_id = maybe_id(item.get("id")) if isinstance(item, dict) else None
            if page_id is None:
                raise body_invalid(f"{path}[{i}].id", "a valid uuid", item)
            if page_id not in ids:
                ids.append(page_id)
        return ids, False
    if kind == "people":
        people: list[dict[str, Any]] = []
        for i, item in enumerate(check_array(value, path)):
            user_id = maybe_id(item.get("id")) if isinstance(item, dict) else None
            if user_id is None:
                raise body_invalid(f"{path}[{i}].id", "a valid uuid", item)
            people.append(users(user_id))
        return people, False
    if kind == "files":
        return _files(value, path), False
    if kind == "place":
        return _place(value, path), False
    if kind == "verification":
        return _verification(value, path, actor), False
    raise validation(f"{name} is a {kind} property and cannot be written.")


def _files(value: Any, path: str) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = []
    for i, item in enumerate(check_array(value, path)):
        external = item.get("external") if isinstance(item, dict) else None
        if not isinstance(external, dict) or not isinstance(external.get("url"), str):
            raise body_invalid(f"{path}[{i}].external.url", "a string", item)
        name = item.get("name") or external["url"].rsplit("/", 1)[-1]
        files.append({"name": str(name), "type": "external", "external": {"url": external["url"]}})
    return files


def _place(value: Any, path: str) -> dict[str, Any] | None:
    """A place: latitude and longitude, optionally a name, an address and map ids."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise body_invalid(path, "an object or `null`", value)
    place: dict[str, Any] = {}
    for key in ("lat", "lon"):
        if isinstance(value.get(key), bool) or not isinstance(value.get(key), int | float):
            raise body_invalid(f"{path}.{key}", "a number", value.get(key))
        place[key] = value[key]
    for key in PLACE_KEYS:
        given = value.get(key)
        if given is not None and not isinstance(given, str):
            raise body_invalid(f"{path}.{key}", "a string or `null`", given)
        place[key] = given
    return place


def _verification(value: Any, path: str, actor: str) -> dict[str, Any]:
    """``{"state": "verified", "date"?}`` (verified by `actor`, who writes) or ``{"state": "unverified"}``."""
    given = value if isinstance(value, dict) else {}
    state = given.get("state")
    if state == "unverified":
        return {"state": "unverified", "date": None, "verified_by": None}
    if state != "verified":
        raise body_invalid(f"{path}.state", '`"verified"` or `"unverified"`', state)
    return {
        "state": "verified",
        "date": parse_date(given.get("date"), f"{path}.date"),
        "verified_by": {"object": "user", "id": actor},
    }


__all__ = ["NotionError", "parse_value", "rich_text"]
