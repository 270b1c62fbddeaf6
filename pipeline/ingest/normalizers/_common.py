"""Helpers every normalizer shares: payload decoding, typed field access, times, text and the Post builder.

Every helper raises :class:`~schemas.errors.SchemaError` with a dotted path and a reason from
:data:`~schemas.errors.REJECTION_REASONS`; nothing here does I/O or reads the clock.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, tzinfo
from html import unescape
from typing import Any

import orjson

from schemas.errors import SchemaError
from schemas.post import MAX_TEXT_CHARS, Author, Engagement, Post, check_post_id
from schemas.times import format_time, parse_time

__all__ = [
    "MAX_COUNT",
    "MAX_PAYLOAD_BYTES",
    "Result",
    "build_post",
    "collect",
    "count",
    "each",
    "epoch_time",
    "hashtags_in",
    "html_to_text",
    "iso_time",
    "join_path",
    "load_json",
    "mentions_in",
    "native_id",
    "obj",
    "opt_obj",
    "opt_str",
    "req_str",
    "type_name",
    "unique",
]

logger = logging.getLogger(__name__)

#: Largest raw payload (one webhook body, one API response, one export file chunk) a normalizer decodes.
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
#: Earliest and latest event times accepted (1990 to 2100): anything else is a broken clock or a unit mix-up.
#: Largest count accepted (a signed 64-bit integer, what JSON encoders and Kafka consumers can carry).
MAX_COUNT = 2**63 - 1
_MIN_EPOCH = 631_152_000.0
_MAX_EPOCH = 4_102_444_800.0
_MAX_LIST = 256
_MAX_TAG = 256
_HASHTAG = re.compile(r"(?<![\w&/])#(\w{1,139})")
_MENTION = re.compile(r"(?<![\w/])@(\w+(?:[.\-]\w+)*(?:@\w+(?:[.\-]\w+)+)?)")

#: What the per-item normalizers yield: a Post, or the error that item was rejected with.
Result = Post | SchemaError


def type_name(value: Any) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}.get(
        type(value), type(value).__name__
    )


def join_path(path: str, key: str | int) -> str:
    """``a.b`` or ``a[3]`` from a parent path and a key."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def load_json(payload: Any, max_bytes: int = MAX_PAYLOAD_BYTES) -> Any:
    """Decode raw bytes or text as JSON; already decoded values pass through unchanged."""
    if isinstance(payload, bytearray | memoryview):
        payload = bytes(payload)
    if not isinstance(payload, bytes | str):
        return payload
    if len(payload) > max_bytes:
        raise SchemaError("", f"payload is {len(payload)} bytes, over the {max_bytes} byte limit", "too_large")
    if isinstance(payload, bytes):
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError as error:
            raise SchemaError("", f"not valid UTF-8 at byte {error.start}", "invalid_utf8") from None
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise SchemaError("", f"malformed JSON: {error}", "invalid_json") from None


def obj(value: Any, path: str) -> dict[str, Any]:
    """The value as an object, or a SchemaError (``not_an_object`` at the root, ``wrong_type`` below it)."""
    if isinstance(value, dict):
        return value
    if not path:
        raise SchemaError("", f"must be a JSON object, got {type_name(value)}", "not_an_object")
    raise SchemaError(path, f"must be an object, got {type_name(value)}", "wrong_type")


def opt_obj(record: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """An optional nested object; missing or null gives an empty dict."""
    value = record.get(key)
    if value is None:
        return {}
    return obj(value, join_path(path, key))


def req_str(record: dict[str, Any], key: str, path: str) -> str:
    """A required string field."""
    value = record.get(key)
    if value is None:
        raise SchemaError(join_path(path, key), "is missing", "missing_field")
    if not isinstance(value, str):
        raise SchemaError(join_path(path, key), f"must be a string, got {type_name(value)}", "wrong_type")
    return value


def opt_str(record: dict[str, Any], key: str, path: str) -> str | None:
    """An optional string field (missing or null gives None)."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SchemaError(join_path(path, key), f"must be a string, got {type_name(value)}", "wrong_type")
    return value


def native_id(record: dict[str, Any], key: str, path: str, required: bool = True) -> str | None:
    """A platform id given as a string or an integer, as a non-empty string."""
    value = record.get(key)
    where = join_path(path, key)
    if value is None:
        if required:
            raise SchemaError(where, "is missing", "missing_field")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise SchemaError(where, f"must be a string or an integer id, got {type_name(value)}", "wrong_type")
    if not value:
        raise SchemaError(where, "must not be empty", "invalid_value")
    return value


def count(record: dict[str, Any], key: str, path: str) -> int | None:
    """An optional non-negative count; negative scores (Reddit) are clipped to 0."""
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError(join_path(path, key), f"must be a number, got {type_name(value)}", "wrong_type")
    if (isinstance(value, float) and not math.isfinite(value)) or value > MAX_COUNT:
        raise SchemaError(join_path(path, key), f"must be a finite count up to 2**63-1, got {value}", "invalid_value")
    return max(0, int(value))


def _checked_epoch(seconds: float, path: str) -> float:
    if not _MIN_EPOCH <= seconds <= _MAX_EPOCH:
        raise SchemaError(path, f"time {seconds!r} is outside 1990-2100", "invalid_value")
    return seconds


def epoch_time(value: Any, path: str, unit: float = 1.0) -> float:
    """Epoch seconds from a number in ``unit`` seconds (1e-6 for microseconds), or a digit string."""
    if value is None:
        raise SchemaError(path, "is missing", "missing_field")
    if isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit():
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError(path, f"must be an epoch number, got {type_name(value)}", "wrong_type")
    if isinstance(value, float) and not math.isfinite(value):
        raise SchemaError(path, f"must be a finite number, got {value}", "invalid_value")
    if abs(value) > 1e20:
        raise SchemaError(path, f"time {value!r} is outside 1990-2100", "invalid_value")
    return _checked_epoch(value * unit, path)


def iso_time(value: Any, path: str, naive: tzinfo | None = None) -> float:
    """Epoch seconds from an ISO 8601 / RFC 3339 string; a missing offset uses ``naive`` or is rejected."""
    if value is None:
        raise SchemaError(path, "is missing", "missing_field")
    if not isinstance(value, str):
        raise SchemaError(path, f"must be an ISO 8601 string, got {type_name(value)}", "wrong_type")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SchemaError(path, f"is not an ISO 8601 timestamp: {value[:64]!r}", "invalid_value") from None
    if parsed.tzinfo is None:
        if naive is None:
            raise SchemaError(path, f"needs a UTC offset: {value[:64]!r}", "invalid_value")
        parsed = parsed.replace(tzinfo=naive)
    try:
        seconds = parsed.timestamp()
    except (OverflowError, ValueError, OSError):
        raise SchemaError(path, f"time {value[:64]!r} is out of range", "invalid_value") from None
    return _checked_epoch(seconds, path)


def unique(values: Iterable[str]) -> list[str]:
    """Distinct non-empty strings in first-seen order, bounded to what a Post can hold."""
    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, str) and value and len(value) <= _MAX_TAG and value not in seen:
            seen[value] = None
            if len(seen) == _MAX_LIST:
                break
    return list(seen)


def hashtags_in(text: str) -> list[str]:
    """Hashtags written in free text, without the ``#``.

    >>> hashtags_in("Banjir lagi #Jakarta #banjir2026 #Jakarta, 你好 #中文")
    ['Jakarta', 'banjir2026', '中文']
    """
    return unique(_HASHTAG.findall(text)) if "#" in text else []


def mentions_in(text: str) -> list[str]:
    """Handles mentioned in free text, without the ``@``.

    >>> mentions_in("cc @pln_123 and @alice@mastodon.social, mail me at a@b.c")
    ['pln_123', 'alice@mastodon.social']
    """
    return unique(_MENTION.findall(text)) if "@" in text else []


_SCRIPT = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>|</?(?:p|div|li|blockquote|h[1-6]|tr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>?")
_NEWLINES = re.compile(r"[ \t]*\n\s*")


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, paragraphs and ``<br>`` as newlines.

    >>> html_to_text('<p>Listrik padam &amp; air mati <a href="#">#PLN</a></p><p>꧋ꦱꦸꦒꦼꦁ<br>🙏</p>')
    'Listrik padam & air mati #PLN\\n꧋ꦱꦸꦒꦼꦁ\\n🙏'
    >>> html_to_text("<script>alert(1)</script>ok &lt;3")
    'ok <3'
    """
    if "<" in html:
        html = _TAG.sub("", _BREAK.sub("\n", _SCRIPT.sub("", html)))
    if "&" in html:
        html = unescape(html)
    return _NEWLINES.sub("\n", html).strip() if "\n" in html else html.strip()


def _bounded(value: Any, path: str, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SchemaError(path, f"must be a string, got {type_name(value)}", "wrong_type")
    if len(value) > max_length:
        raise SchemaError(path, f"is {len(value)} characters, over the {max_length} limit", "too_large")
    return value


def _event_seconds(seconds: float) -> float:
    """The time exactly as it survives the RFC 3339 wire format (millisecond precision)."""
    return seconds if seconds == int(seconds) else parse_time(format_time(seconds), "created_at")


def build_post(
    platform: str,
    native: str,
    author: dict[str, Any],
    text: str,
    created_at: float,
    *,
    url: str | None = None,
    lang: str | None = None,
    kind: str = "post",
    parent: str | None = None,
    engagement: dict[str, int | None] | None = None,
    hashtags: Iterable[str] = (),
    mentions: Iterable[str] = (),
) -> Post:
    """Build a Post with every limit of ``schemas/post.schema.json`` checked (the same ones as ``Post.from_dict``)."""
    author_id = _bounded(author.get("id"), "author.id", 512)
    if not author_id:
        raise SchemaError("author.id", "is missing", "missing_field")
    followers = author.get("followers")
    if followers is not None and (isinstance(followers, bool) or not isinstance(followers, int) or followers < 0):
        raise SchemaError("author.followers", f"must be a count, got {followers!r}"[:128], "wrong_type")
    counts = {name: value for name, value in (engagement or {}).items() if value is not None}
    views = counts.pop("views", None)
    return Post(
        id=check_post_id(_bounded(f"{platform}:{native}", "id", 512), platform),  # type: ignore[arg-type]
        platform=platform,
        author=Author(
            id=author_id,
            handle=_bounded(author.get("handle"), "author.handle", 512),
            name=_bounded(author.get("name"), "author.name", 1024),
            followers=followers,
            verified=author.get("verified") is True,
        ),
        text=_bounded(text, "text", MAX_TEXT_CHARS),  # type: ignore[arg-type]
        created_at=_event_seconds(created_at),
        url=_bounded(url, "url", 4096),
        lang=_bounded(lang, "lang", 16),
        kind=kind,
        parent_id=None if parent is None else _bounded(f"{platform}:{parent}", "parent_id", 512),
        engagement=Engagement(**counts, views=views),
        hashtags=tuple(unique(hashtags)),
        mentions=tuple(unique(mentions)),
    )


def each(items: Iterable[tuple[str, Any]], build: Callable[[Any], Post]) -> Iterator[Result]:
    """Build a Post from every ``(path, item)``; a failing item yields its SchemaError with the path prefixed."""
    for path, item in items:
        try:
            yield build(item)
        except SchemaError as error:
            yield _prefixed(error, path)


def _prefixed(error: SchemaError, path: str) -> SchemaError:
    if not path:
        return error
    field = f"{path}.{error.field}" if error.field else path
    return SchemaError(field, error.problem, error.reason)


def collect(results: Iterable[Result]) -> list[Post]:
    """All Posts, or the first item's SchemaError: a payload is accepted whole or rejected with its reason."""
    posts: list[Post] = []
    for result in results:
        if isinstance(result, SchemaError):
            raise result
        posts.append(result)
    return posts
