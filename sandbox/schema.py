"""Data source schemas: the properties a data source has, built from request shapes and kept in response
shape (``{"id", "name", "description", "type", <type>: config}``)."""

from __future__ import annotations

from typing import Any

from sandbox.errors import body_invalid, validation
from sandbox.formula_syntax import parse_formula
from sandbox.ids import new_id, new_property_id
from sandbox.rollups import check_rollup_function
from sandbox.values import COLORS

SIMPLE_TYPES = frozenset(
    {"title", "rich_text", "date", "people", "files", "checkbox", "url", "email", "phone_number",
     "created_time", "created_by", "last_edited_time", "last_edited_by", "button", "place", "verification"}
)  # fmt: skip
ALL_TYPES = SIMPLE_TYPES | {
    "number",
    "select",
    "multi_select",
    "status",
    "formula",
    "rollup",
    "relation",
    "unique_id",
}
NUMBER_FORMATS = (
    "number", "number_with_commas", "percent", "dollar", "australian_dollar", "canadian_dollar",
    "singapore_dollar", "euro", "pound", "yen", "ruble", "rupee", "won", "yuan", "real", "lira", "rupiah",
    "franc", "hong_kong_dollar", "new_zealand_dollar", "krona", "norwegian_krone", "mexican_peso", "rand",
    "new_taiwan_dollar", "danish_krone", "zloty", "baht", "forint", "koruna", "shekel", "chilean_peso",
    "philippine_peso", "dirham", "colombian_peso", "riyal", "ringgit", "leu", "argentine_peso",
    "uruguayan_peso", "peruvian_sol",
)  # fmt: skip
DEFAULT_STATUS = {
    "options": [
        {"name": "Not started", "color": "default"},
        {"name": "In progress", "color": "blue"},
        {"name": "Done", "color": "green"},
    ],
    "groups": [
        {"name": "To-do", "color": "gray", "option_names": ["Not started"]},
        {"name": "In progress", "color": "blue", "option_names": ["In progress"]},
        {"name": "Complete", "color": "green", "option_names": ["Done"]},
    ],
}


def property_type(spec: Any, path: str) -> str:
    """The type a property spec asks for: its ``type`` key or its one type-named key."""
    if not isinstance(spec, dict):
        raise body_invalid(path, "an object", spec)
    kind = spec.get("type")
    if kind is None:
        named = [key for key in spec if key in ALL_TYPES]
        kind = named[0] if len(named) == 1 else None
    if not isinstance(kind, str) or kind not in ALL_TYPES:
        raise body_invalid(f"{path}.type", "a supported property type", kind)
    return kind


def _options(raw: Any, path: str, *, with_description: bool = True) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise body_invalid(path, "an array", raw)
    if len(raw) > 100:
        raise body_invalid(f"{path}.length", "≤ `100`", len(raw))
    seen: set[str] = set()
    options: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise body_invalid(f"{path}[{i}].name", "a non-empty string", item)
        name = item["name"]
        if "," in name:
            raise validation(f"Invalid select option, commas not allowed: {name}")
        if name in seen:
            continue
        seen.add(name)
        color = item.get("color", "default")
        if color not in COLORS:
            raise body_invalid(f"{path}[{i}].color", "a valid color", color)
        option = {"id": item.get("id") if isinstance(item.get("id"), str) else new_id(), "name": name}
        option["color"] = color
        if with_description:
            option["description"] = item.get("description")
        options.append(option)
    return options


def _status_config(config: dict[str, Any], path: str) -> dict[str, Any]:
    if not config.get("options"):
        config = DEFAULT_STATUS
    options = _options(config.get("options"), f"{path}.options")
    by_name = {option["name"]: option["id"] for option in options}
    groups_in = config.get("groups") or [
        {"name": "To-do", "color": "gray", "option_names": [options[0]["name"]]},
        {"name": "In progress", "color": "blue", "option_names": [o["name"] for o in options[1:-1]]},
        {
            "name": "Complete",
            "color": "green",
            "option_names": [options[-1]["name"]] if len(options) > 1 else [],
        },
    ]
    groups: list[dict[str, Any]] = []
    for i, group in enumerate(groups_in if isinstance(groups_in, list) else []):
        if not isinstance(group, dict) or not isinstance(group.get("name"), str):
            raise body_invalid(f"{path}.groups[{i}].name", "a string", group)
        names = group.get("option_names") or []
        ids = group.get("option_ids") or [by_name[n] for n in names if n in by_name]
        groups.append(
            {
                "id": group.get("id") or new_id(),
                "name": group["name"],
                "color": group.get("color", "default"),
                "option_ids": list(ids),
            }
        )
    return {"options": options, "groups": groups}


def build_property(name: str, spec: Any, taken: set[str], path: str) -> dict[str, Any]:
    """A non-relation, non-rollup property in response shape, with a fresh id not in ``taken``."""
    if not isinstance(name, str) or not name.strip():
        raise body_invalid(path, "a non-empty property name", name)
    kind = property_type(spec, path)
    config = spec.get(kind)
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise body_invalid(f"{path}.{kind}", "an object", config)
    prop_id = "title" if kind == "title" else new_property_id(taken)
    description = spec.get("description")
    prop: dict[str, Any] = {
        "id": prop_id,
        "name": name,
        "description": description if isinstance(description, str) else None,
        "type": kind,
    }
    if kind in SIMPLE_TYPES:
        prop[kind] = {}
    elif kind == "number":
        fmt = config.get("format", "number")
        if fmt not in NUMBER_FORMATS:
            raise body_invalid(f"{path}.number.format", "a valid number format", fmt)
        prop[kind] = {"format": fmt}
    elif kind in ("select", "multi_select"):
        prop[kind] = {"options": _options(config.get("options"), f"{path}.{kind}.options")}
    elif kind == "status":
        prop[kind] = _status_config(config, f"{path}.status")
    elif kind == "formula":
        expression = config.get("expression")
        if not isinstance(expression, str):
            raise body_invalid(f"{path}.formula.expression", "a string", expression)
        parse_formula(expression)
        prop[kind] = {"expression": expression}
    elif kind == "unique_id":
        prefix = config.get("prefix")
        if prefix is not None and not isinstance(prefix, str):
            raise body_invalid(f"{path}.unique_id.prefix", "a string or `null`", prefix)
        prop[kind] = {"prefix": prefix or None}
    elif kind == "rollup":
        check_rollup_function(config.get("function"))
        prop[kind] = dict(config)
    else:
        prop[kind] = dict(config)
    return prop


def status_default(prop: dict[str, Any]) -> dict[str, Any] | None:
    """The option a new page starts with: the first option of the first group."""
    config = prop["status"]
    options = {option["id"]: option for option in config.get("options", [])}
    for group in config.get("groups", []):
        for option_id in group.get("option_ids", []):
            if option_id in options:
                option = options[option_id]
                return {"id": option["id"], "name": option["name"], "color": option["color"]}
    first = next(iter(options.values()), None)
    return {"id": first["id"], "name": first["name"], "color": first["color"]} if first else None
