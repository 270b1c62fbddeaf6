"""Mastodon: status JSON (REST timelines, search, streaming ``update`` events) to Posts.

``content`` is HTML and becomes plain text; a reblog becomes a ``repost`` carrying the reblogged text. A
streaming ``delete`` event is a SchemaError (the status is gone), never a silent drop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from pipeline.ingest.normalizers._common import (
    Result,
    build_post,
    collect,
    count,
    each,
    html_to_text,
    iso_time,
    join_path,
    load_json,
    native_id,
    obj,
    opt_str,
    type_name,
)
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["iter_mastodon", "normalize_mastodon"]

logger = logging.getLogger(__name__)

_STATUS_EVENTS = frozenset({"update", "status.update"})


def normalize_mastodon(payload: Any) -> list[Post]:
    """A status, a list of statuses or a streaming event; raises SchemaError if any is invalid or deleted."""
    return collect(iter_mastodon(payload))


def iter_mastodon(payload: Any) -> Iterator[Result]:
    """One Post or SchemaError per status."""
    value = load_json(payload)
    if isinstance(value, list):
        yield from each(((join_path("", index), status) for index, status in enumerate(value)), _status)
        return
    record = obj(value, "")
    if "event" in record:
        yield from each([("payload", _event_status(record))], _status)
        return
    yield from each([("", record)], _status)


def _event_status(event: dict[str, Any]) -> Any:
    name = event.get("event")
    body = event.get("payload")
    if name == "delete":
        shown = body[:64] if isinstance(body, str) else type_name(body)
        raise SchemaError("payload", f"status {shown} was deleted", "invalid_value")
    if not isinstance(name, str) or name not in _STATUS_EVENTS:
        shown = name[:64] if isinstance(name, str) else type_name(name)
        raise SchemaError("event", f"streaming event {shown!r} carries no status", "unsupported_format")
    return load_json(body) if isinstance(body, str) else body


def _status(status: Any) -> Post:
    status = obj(status, "")
    reblog = status.get("reblog")
    source = obj(reblog, "reblog") if reblog is not None else status
    where = "reblog" if reblog is not None else ""
    account = obj(status.get("account"), "account")
    text = html_to_text(opt_str(source, "content", where) or "")
    spoiler = opt_str(source, "spoiler_text", where)
    if spoiler:
        text = f"{spoiler}\n{text}"
    if reblog is not None:
        kind, parent = "repost", native_id(source, "id", where)
    elif status.get("in_reply_to_id") is not None:
        kind, parent = "reply", native_id(status, "in_reply_to_id", "")
    elif isinstance(status.get("quote"), dict) and status["quote"].get("quoted_status") is not None:
        kind, parent = "quote", native_id(obj(status["quote"]["quoted_status"], "quote.quoted_status"), "id",
                                          "quote.quoted_status")
    else:
        kind, parent = "post", None
    return build_post(
        "mastodon",
        native_id(status, "id", ""),
        {"id": f"mastodon:{native_id(account, 'id', 'account')}", "handle": opt_str(account, "acct", "account"),
         "name": opt_str(account, "display_name", "account") or None,
         "followers": count(account, "followers_count", "account"), "verified": False},
        text,
        iso_time(status.get("created_at"), "created_at"),
        url=opt_str(status, "url", "") or opt_str(status, "uri", ""),
        lang=opt_str(source, "language", where),
        kind=kind,
        parent=parent,
        engagement={
            "likes": count(status, "favourites_count", ""),
            "reposts": count(status, "reblogs_count", ""),
            "replies": count(status, "replies_count", ""),
            "quotes": count(status, "quotes_count", ""),
        },
        hashtags=_names(source, "tags", "name", where),
        mentions=_names(source, "mentions", "acct", where),
    )


def _names(record: dict[str, Any], key: str, field: str, path: str) -> list[str]:
    values = record.get(key)
    if values is None:
        return []
    if not isinstance(values, list):
        raise SchemaError(join_path(path, key), f"must be a list, got {type_name(values)}", "wrong_type")
    return [value[field] for value in values if isinstance(value, dict) and isinstance(value.get(field), str)]
