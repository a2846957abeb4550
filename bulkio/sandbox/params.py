"""Argument validation as WordPress's REST schema layer does it (``rest_invalid_param``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bulkio.sandbox.errors import invalid_param


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, str):
        text = value.strip()
        return text.lstrip("-").isdigit()
    return False


def as_int(
    params: Mapping[str, Any],
    name: str,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """An integer argument; out of range or not an integer answers ``rest_invalid_param``."""
    if name not in params or params[name] in ("", None):
        return default
    value = params[name]
    if not _is_int(value):
        raise invalid_param(name, f"{name} is not of type integer.", "rest_invalid_type")
    number = int(float(value)) if not isinstance(value, str) else int(value.strip())
    if minimum is not None and maximum is not None and not minimum <= number <= maximum:
        raise invalid_param(
            name,
            f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)",
            "rest_out_of_bounds",
        )
    if minimum is not None and number < minimum:
        raise invalid_param(
            name, f"{name} must be greater than or equal to {minimum}", "rest_out_of_bounds"
        )
    return number


def as_bool(params: Mapping[str, Any], name: str, default: bool | None = None) -> bool | None:
    """A boolean argument: true/false, 1/0, "true"/"false" like ``rest_sanitize_boolean``."""
    if name not in params or params[name] is None:
        return default
    value = params[name]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
    elif isinstance(value, str) and value.strip().lower() in (
        "true",
        "false",
        "1",
        "0",
        "yes",
        "no",
        "",
    ):
        return value.strip().lower() in ("true", "1", "yes")
    raise invalid_param(name, f"{name} is not of type boolean.", "rest_invalid_type")


def as_list(params: Mapping[str, Any], name: str) -> list[str]:
    """A list argument given as an array or a comma-separated string (``wp_parse_list``)."""
    value = params.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if str(item).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def as_int_list(params: Mapping[str, Any], name: str) -> list[int]:
    items = as_list(params, name)
    for item in items:
        if not _is_int(item):
            raise invalid_param(name, f"{name}[0] is not of type integer.", "rest_invalid_type")
    return [int(item) for item in items]


def human_list(options: Sequence[str]) -> str:
    """WordPress's ``%l`` list: "a, b, and c"."""
    if len(options) == 1:
        return options[0]
    if len(options) == 2:
        return f"{options[0]} and {options[1]}"
    return ", ".join(options[:-1]) + ", and " + options[-1]


def as_enum(
    params: Mapping[str, Any], name: str, options: Sequence[str], default: str | None = None
) -> str | None:
    if name not in params or params[name] in (None, ""):
        return default
    value = str(params[name])
    if value not in options:
        raise invalid_param(
            name, f"{name} is not one of {human_list(options)}.", "rest_not_in_enum"
        )
    return value


def as_enum_list(params: Mapping[str, Any], name: str, options: Sequence[str]) -> list[str]:
    values = as_list(params, name)
    for index, value in enumerate(values):
        if value not in options:
            raise invalid_param(
                name, f"{name}[{index}] is not one of {human_list(options)}.", "rest_not_in_enum"
            )
    return values


def require_type(payload: Mapping[str, Any], name: str, kind: str) -> None:
    """Schema type check for single create/update requests (WordPress skips it for batch items)."""
    if name not in payload or payload[name] is None:
        return
    value = payload[name]
    ok = {
        "string": isinstance(value, str),
        "integer": _is_int(value),
        "boolean": isinstance(value, bool)
        or (isinstance(value, str) and value.lower() in ("true", "false", "1", "0"))
        or value in (0, 1),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
        "number": (isinstance(value, int | float) and not isinstance(value, bool))
        or (isinstance(value, str) and _is_number(value)),
    }[kind]
    if not ok:
        raise invalid_param(name, f"{name} is not of type {kind}.", "rest_invalid_type")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_schema(
    payload: Mapping[str, Any],
    types: Mapping[str, str],
    enums: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """A single create/update request against its endpoint's schema: each argument's type in
    the order given, then the enums. Batch items skip this, as in WordPress."""
    for name, kind in types.items():
        require_type(payload, name, kind)
    for name, options in (enums or {}).items():
        as_enum(payload, name, options)
