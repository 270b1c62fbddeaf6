"""Social-listening exports (Brandwatch, Talkwalker, Meltwater and the like) as CSV or JSON rows to Posts.

A mapping names, for each of our fields, the export's column (or candidate columns, first present wins). Column
names match ignoring case, spaces and punctuation, so ``"Author Id"`` finds ``author_id``. The defaults cover the
usual vendor headers; pass a mapping to override single fields. A CSV may start with report metadata lines (as
Brandwatch writes them): the header is the first row that names a date column and a text, title or url column.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from pipeline.ingest.normalizers._common import (
    MAX_COUNT,
    MAX_PAYLOAD_BYTES,
    Result,
    build_post,
    collect,
    each,
    epoch_time,
    hashtags_in,
    iso_time,
    join_path,
    load_json,
    mentions_in,
    type_name,
)
from schemas.errors import SchemaError
from schemas.post import PLATFORMS, Post

__all__ = [
    "DEFAULT_MAPPING",
    "export_normalizer",
    "iter_csv_export",
    "iter_json_export",
    "normalize_csv_export",
    "normalize_json_export",
]

logger = logging.getLogger(__name__)

#: Our field -> candidate export columns, in order of preference.
DEFAULT_MAPPING: dict[str, tuple[str, ...]] = {
    "id": ("id", "Mention Id", "Resource Id", "Document ID", "Post Id", "external_id"),
    "platform": ("platform", "Page Type", "Source Type", "source_type", "Content Source", "Media Type"),
    "url": ("url", "link", "permalink"),
    "text": ("text", "Full Text", "content", "Hit Sentence", "Opening Text", "Snippet", "body", "message"),
    "title": ("title", "Headline"),
    "created_at": ("created_at", "Date", "published", "Published Date", "date", "timestamp", "created_time"),
    "author_id": ("author_id", "Author Id", "User Id"),
    "author_handle": ("author_handle", "Author", "Screen Name", "Influencer", "username", "author_name"),
    "author_name": ("author_name", "Full Name", "Author Full Name", "Author Name"),
    "author_followers": ("author_followers", "Twitter Followers", "followers", "Followers Count", "X Followers"),
    "author_verified": ("author_verified", "Twitter Verified", "verified"),
    "lang": ("lang", "Language"),
    "kind": ("kind", "Post Type", "Thread Entry Type"),
    "parent_id": ("parent_id", "Parent Post Id", "in_reply_to"),
    "likes": ("likes", "likes_count", "Facebook Likes", "X Likes"),
    "reposts": ("reposts", "Twitter Retweets", "X Reposts", "Shares", "retweet_count", "shares"),
    "replies": ("replies", "Twitter Replies", "X Replies", "Comments", "comment_count"),
    "quotes": ("quotes", "Quote Count"),
    "views": ("views", "Impressions", "view_count"),
    "hashtags": ("hashtags", "Hashtag"),
    "mentions": ("mentions", "Mentioned Authors"),
}
_PLATFORM_ALIASES = {
    "twitter": "x", "x": "x", "tweet": "x", "facebook": "facebook", "instagram": "instagram", "tiktok": "tiktok",
    "youtube": "youtube", "reddit": "reddit", "mastodon": "mastodon", "bluesky": "bluesky", "threads": "threads",
    "news": "news", "onlinenews": "news", "print": "news", "blog": "blog", "blogs": "blog", "forum": "forum",
    "forums": "forum", "messageboards": "forum",
}
_KIND_ALIASES = {
    "post": "post", "original": "post", "": "post", "reply": "reply", "comment": "reply", "repost": "repost",
    "retweet": "repost", "share": "repost", "reshare": "repost", "quote": "quote", "quotetweet": "quote",
}
_TRUE = frozenset({"true", "yes", "y", "1", "verified"})
_NOT_KEY = re.compile(r"[^0-9a-z]+")
_DATE_FORMATS = ("%d-%b-%Y %I:%M%p", "%d-%b-%Y %H:%M", "%b %d, %Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p",
                 "%Y/%m/%d %H:%M:%S")
_HEADER_SCAN_ROWS = 30


def _key(name: str) -> str:
    return _NOT_KEY.sub("", name.lower())


def _resolve_mapping(mapping: Mapping[str, str | Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    merged = dict(DEFAULT_MAPPING)
    for field, columns in (mapping or {}).items():
        if field not in DEFAULT_MAPPING:
            raise ValueError(f"unknown export field {field!r}; known: {', '.join(DEFAULT_MAPPING)}")
        merged[field] = (columns,) if isinstance(columns, str) else tuple(columns)
    return {field: tuple(_key(column) for column in columns) for field, columns in merged.items()}


class _Columns:
    """For one header: our field -> the row key that holds it."""

    def __init__(self, keys: Sequence[Any], mapping: dict[str, tuple[str, ...]], positional: bool = False):
        normalized: dict[str, Any] = {}
        for position, key in enumerate(keys):
            if isinstance(key, str):
                normalized.setdefault(_key(key), position if positional else key)
        self.by_field: dict[str, Any] = {}
        for field, candidates in mapping.items():
            for candidate in candidates:
                if candidate in normalized:
                    self.by_field[field] = normalized[candidate]
                    break

    def looks_like_header(self) -> bool:
        fields = self.by_field
        return "created_at" in fields and ("text" in fields or "title" in fields or "url" in fields)

    def values(self, row: Mapping[Any, Any]) -> dict[str, Any]:
        """Our field -> the row's value (strings stripped, empty cells as None)."""
        found: dict[str, Any] = {}
        for field, column in self.by_field.items():
            value = row.get(column)
            if isinstance(value, str):
                value = value.strip() or None
            if value is not None:
                found[field] = value
        return found

    def cells(self, cells: list[str]) -> dict[str, Any]:
        """Our field -> the CSV cell (by header position), stripped, empty cells left out."""
        found: dict[str, Any] = {}
        size = len(cells)
        for field, position in self.by_field.items():
            if position < size:
                value = cells[position].strip()
                if value:
                    found[field] = value
        return found


def _string(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool | dict | list):
        raise SchemaError(field, f"must be text, got {type_name(value)}", "wrong_type")
    return value if isinstance(value, str) else str(value)


def _count(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SchemaError(field, f"must be a number, got {type_name(value)}", "wrong_type")
    if isinstance(value, str):
        if value.isdecimal() and len(value) < 19:
            return int(value)
        cleaned = value.replace(",", "").replace("_", "").strip()
        try:
            value = float(cleaned)
        except ValueError:
            raise SchemaError(field, f"is not a number: {value[:32]!r}", "invalid_value") from None
    if value != value or value in (float("inf"), float("-inf")) or value > MAX_COUNT:
        raise SchemaError(field, f"must be a finite count up to 2**63-1, got {value}", "invalid_value")
    return max(0, int(value))


def _time(value: Any, naive: tzinfo) -> float:
    if value is None:
        raise SchemaError("created_at", "is missing", "missing_field")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_time(value, "created_at", unit=1e-3 if abs(value) > 1e11 else 1.0)
    if not isinstance(value, str):
        raise SchemaError("created_at", f"must be a date, got {type_name(value)}", "wrong_type")
    if value.isdigit():
        return _time(int(value), naive)
    try:
        return iso_time(value, "created_at", naive)
    except SchemaError as error:
        if error.reason != "invalid_value" or "outside" in error.problem:
            raise
    for pattern in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return epoch_time(parsed.replace(tzinfo=naive).timestamp(), "created_at")
    raise SchemaError("created_at", f"is not a recognized date: {value[:64]!r}", "invalid_value")


def _names(value: Any, text: str, extract: Callable[[str], list[str]], field: str) -> list[str]:
    if value is None:
        return extract(text)
    if isinstance(value, list):
        return [item.lstrip("#@") for item in value if isinstance(item, str)]
    if not isinstance(value, str):
        raise SchemaError(field, f"must be text or a list, got {type_name(value)}", "wrong_type")
    return [part.lstrip("#@") for part in re.split(r"[,;\s]+", value) if part.strip("#@")]


def _row(values: dict[str, Any], default_platform: str, naive: tzinfo) -> Post:
    get = values.get
    platform_value = _string(get("platform"), "platform")
    if platform_value is None:
        platform = default_platform
    else:
        platform = _PLATFORM_ALIASES.get(_key(platform_value), "")
        if not platform:
            raise SchemaError("platform", f"{platform_value[:64]!r} is not a platform Siaga knows", "unknown_platform")
    url = _string(get("url"), "url")
    native = _string(get("id"), "id") or url
    if not native:
        raise SchemaError("id", "is missing, and the row has no url to identify it", "missing_field")
    title = _string(get("title"), "title")
    body = _string(get("text"), "text")
    text = f"{title}\n\n{body}" if title and body and not body.startswith(title) else body or title or ""
    handle = _string(get("author_handle"), "author_handle")
    author_id = _string(get("author_id"), "author_id") or handle or _host(url)
    if not author_id:
        raise SchemaError("author_id", "is missing (no author id, handle or url)", "missing_field")
    kind_value = _string(get("kind"), "kind") or ""
    kind = _KIND_ALIASES.get(_key(kind_value))
    if kind is None:
        raise SchemaError("kind", f"{kind_value[:32]!r} is not post, reply, repost or quote", "invalid_value")
    verified = get("author_verified")
    return build_post(
        platform,
        native,
        {"id": f"{platform}:{author_id.lstrip('@')}", "handle": handle.lstrip("@") if handle else None,
         "name": _string(get("author_name"), "author_name"),
         "followers": _count(get("author_followers"), "author_followers"),
         "verified": verified is True or (isinstance(verified, str) and verified.lower() in _TRUE)},
        text,
        _time(get("created_at"), naive),
        url=url,
        lang=_string(get("lang"), "lang"),
        kind=kind,
        parent=_string(get("parent_id"), "parent_id"),
        engagement={name: _count(get(name), name)
                    for name in ("likes", "reposts", "replies", "quotes", "views")},
        hashtags=_names(get("hashtags"), text, hashtags_in, "hashtags"),
        mentions=_names(get("mentions"), text, mentions_in, "mentions"),
    )


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _decode(payload: Any) -> str:
    if isinstance(payload, bytearray | memoryview):
        payload = bytes(payload)
    if isinstance(payload, str):
        text = payload
    elif isinstance(payload, bytes):
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise SchemaError("", f"export is {len(payload)} bytes, over the {MAX_PAYLOAD_BYTES} byte limit",
                              "too_large")
        encoding = "utf-16" if payload[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
        try:
            text = payload.decode(encoding)
        except UnicodeDecodeError as error:
            raise SchemaError("", f"not valid {encoding} at byte {error.start}", "invalid_utf8") from None
    else:
        raise SchemaError("", f"a CSV export must be bytes or text, got {type_name(payload)}", "unsupported_format")
    if len(text) > MAX_PAYLOAD_BYTES:
        raise SchemaError("", f"export is {len(text)} characters, over the limit", "too_large")
    return text


def _delimiter(text: str) -> str:
    sample = text[:4096]
    return max((",", ";", "\t"), key=sample.count)


def iter_csv_export(
    payload: Any,
    mapping: Mapping[str, str | Sequence[str]] | None = None,
    default_platform: str = "forum",
    naive_tz: tzinfo = UTC,
) -> Iterator[Result]:
    """One Post or SchemaError per data row of a CSV export (bytes or text)."""
    resolved = _resolve_mapping(mapping)
    _check_platform(default_platform)
    text = _decode(payload)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    columns: _Columns | None = None
    build = partial(_row, default_platform=default_platform, naive=naive_tz)
    try:
        for line, cells in enumerate(reader, start=1):
            if columns is None:
                candidate = _Columns(cells, resolved, positional=True)
                if candidate.looks_like_header():
                    columns = candidate
                elif line >= _HEADER_SCAN_ROWS:
                    break
                continue
            if not any(cell.strip() for cell in cells):
                continue
            yield from each([(f"rows[{line}]", columns.cells(cells))], build)
    except csv.Error as error:
        raise SchemaError(f"rows[{reader.line_num}]", f"malformed CSV: {str(error)[:128]}", "invalid_value") from None
    if columns is None:
        raise SchemaError("", "no header row naming a date column and a text, title or url column", "missing_field")


def iter_json_export(
    payload: Any,
    mapping: Mapping[str, str | Sequence[str]] | None = None,
    default_platform: str = "forum",
    naive_tz: tzinfo = UTC,
) -> Iterator[Result]:
    """One Post or SchemaError per row of a JSON export: an array of objects, one object, or ``{"data": [...]}``."""
    resolved = _resolve_mapping(mapping)
    _check_platform(default_platform)
    value = load_json(payload)
    path = ""
    if isinstance(value, dict):
        lists = [key for key in ("data", "results", "mentions", "documents", "items", "rows")
                 if isinstance(value.get(key), list)]
        if lists:
            path, value = lists[0], value[lists[0]]
        else:
            value = [value]
            path = "rows"
    if not isinstance(value, list):
        raise SchemaError("", f"must be an array of rows or an object, got {type_name(value)}", "not_an_object")
    cache: dict[tuple[Any, ...], _Columns] = {}

    def build(row: Any) -> Post:
        if not isinstance(row, dict):
            raise SchemaError("", f"must be an object, got {type_name(row)}", "not_an_object")
        keys = tuple(row)
        columns = cache.get(keys)
        if columns is None:
            if len(cache) >= 64:
                cache.clear()
            columns = cache[keys] = _Columns(keys, resolved)
        return _row(columns.values(row), default_platform, naive_tz)

    yield from each(((join_path(path or "rows", index), row) for index, row in enumerate(value)), build)


def _check_platform(platform: str) -> None:
    if platform not in PLATFORMS:
        raise ValueError(f"default_platform {platform!r} is not one of {', '.join(sorted(PLATFORMS))}")


def normalize_csv_export(payload: Any, mapping: Mapping[str, str | Sequence[str]] | None = None,
                         default_platform: str = "forum", naive_tz: tzinfo = UTC) -> list[Post]:
    """Every row of a CSV export; raises SchemaError if any row is invalid."""
    return collect(iter_csv_export(payload, mapping, default_platform, naive_tz))


def normalize_json_export(payload: Any, mapping: Mapping[str, str | Sequence[str]] | None = None,
                          default_platform: str = "forum", naive_tz: tzinfo = UTC) -> list[Post]:
    """Every row of a JSON export; raises SchemaError if any row is invalid."""
    return collect(iter_json_export(payload, mapping, default_platform, naive_tz))


def export_normalizer(
    mapping: Mapping[str, str | Sequence[str]] | None = None,
    *,
    fmt: str = "csv",
    default_platform: str = "forum",
    naive_tz: tzinfo = UTC,
) -> Callable[[Any], list[Post]]:
    """A registry-shaped ``payload -> list[Post]`` for one vendor's column mapping.

    >>> normalize = export_normalizer({"text": "Isi"}, default_platform="news")
    >>> [post.text for post in normalize("id,Date,Isi,Author\\n7,2026-01-05T08:00:00+07:00,Banjir 🌊,ani\\n")]
    ['Banjir 🌊']
    """
    _resolve_mapping(mapping)
    _check_platform(default_platform)
    function = {"csv": normalize_csv_export, "json": normalize_json_export}.get(fmt)
    if function is None:
        raise ValueError(f"fmt must be 'csv' or 'json', got {fmt!r}")
    return partial(function, mapping=mapping, default_platform=default_platform, naive_tz=naive_tz)
