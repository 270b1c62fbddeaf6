"""Small field checks shared by the records; each raises SchemaError naming the field."""

from __future__ import annotations

from typing import Any

import orjson

from schemas.errors import SchemaError

MISSING: Any = object()


def load_object(data: bytes | str, max_bytes: int) -> dict[str, Any]:
    """Decode one JSON object from bytes, refusing oversized, non-UTF-8 or non-object input."""
    if len(data) > max_bytes:
        raise SchemaError("", f"record is {len(data)} bytes, over the {max_bytes} byte limit", "too_large")
    try:
        value = orjson.loads(data)  # refuses invalid UTF-8 too, so what it accepts passes the checks below
    except orjson.JSONDecodeError:
        pass
    else:
        if type(value) is dict:
            return value
    if isinstance(data, bytes):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise SchemaError("", f"not valid UTF-8 at byte {error.start}", "invalid_utf8") from None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise SchemaError("", f"malformed JSON: {error}", "invalid_json") from None
    if not isinstance(value, dict):
        raise SchemaError("", f"must be a JSON object, got {type(value).__name__}", "not_an_object")
    return value


def get(record: dict[str, Any], key: str, path: str, required: bool = True) -> Any:
    value = record.get(key, MISSING)
    if value is MISSING and required:
        raise SchemaError(path, "is missing", "missing_field")
    return value


def string(value: Any, path: str, max_length: int, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise SchemaError(path, f"must be a string, got {_type_name(value)}", "wrong_type")
    if len(value) > max_length:
        raise SchemaError(path, f"is {len(value)} characters, over the {max_length} limit", "too_large")
    if not allow_empty and not value:
        raise SchemaError(path, "must not be empty")
    return value


def optional_string(value: Any, path: str, max_length: int) -> str | None:
    if value is MISSING or value is None:
        return None
    return string(value, path, max_length)


def count(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SchemaError(path, f"must be an integer, got {_type_name(value)}", "wrong_type")
    if value < 0:
        raise SchemaError(path, f"must be zero or more, got {value}")
    return value


def optional_count(value: Any, path: str) -> int | None:
    if value is MISSING or value is None:
        return None
    return count(value, path)


def boolean(value: Any, path: str, default: bool = False) -> bool:
    if value is MISSING:
        return default
    if not isinstance(value, bool):
        raise SchemaError(path, f"must be true or false, got {_type_name(value)}", "wrong_type")
    return value


def string_list(value: Any, path: str, max_items: int, max_length: int) -> tuple[str, ...]:
    if value is MISSING or value is None:
        return ()
    if not isinstance(value, list):
        raise SchemaError(path, f"must be an array of strings, got {_type_name(value)}", "wrong_type")
    if len(value) > max_items:
        raise SchemaError(path, f"has {len(value)} items, over the {max_items} limit", "too_large")
    return tuple(string(item, f"{path}[{index}]", max_length) for index, item in enumerate(value))


def plain_strings(value: Any, max_items: int, max_length: int) -> tuple[str, ...] | None:
    """A list of strings as a tuple when it plainly passes :func:`string_list`, else None (not sure)."""
    if value is None:
        return ()
    if type(value) is not list or len(value) > max_items:
        return None
    for item in value:
        if type(item) is not str or len(item) > max_length:
            return None
    return tuple(value)


def choice(value: Any, path: str, allowed: frozenset[str], reason: str = "invalid_value") -> str:
    if not isinstance(value, str):
        raise SchemaError(path, f"must be a string, got {_type_name(value)}", "wrong_type")
    if value not in allowed:
        shown = value[:64]
        raise SchemaError(path, f"{shown!r} is not one of {', '.join(sorted(allowed))}", reason)
    return value


def obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SchemaError(path, f"must be an object, got {_type_name(value)}", "wrong_type")
    return value


def no_extra_keys(record: dict[str, Any], allowed: frozenset[str], path: str) -> None:
    extra = record.keys() - allowed
    if extra:
        name = sorted(extra)[0]
        where = f"{path}.{name}" if path else name
        raise SchemaError(where, "is not a field of this schema", "invalid_value")


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}.get(
        type(value), type(value).__name__
    )
