"""Facebook Pages and Instagram Graph API webhooks (``object``/``entry[].changes[]``) to Posts.

Facebook ``feed`` changes (posts, statuses, photos, videos, shares and comments; verb add or edited) and
``mention`` changes; Instagram ``comments``, ``live_comments`` and ``mentions``. An Instagram ``mentions`` change
carries only ids (the text must be fetched from the Graph API), a ``remove`` verb means the content is gone, and
reactions carry no text: each is a SchemaError with its reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from pipeline.ingest.normalizers._common import (
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
    native_id,
    obj,
    opt_obj,
    opt_str,
    type_name,
)
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["iter_graph", "normalize_graph"]

logger = logging.getLogger(__name__)

_PLATFORM_BY_OBJECT = {"page": "facebook", "instagram": "instagram"}
_FEED_POSTS = frozenset({"post", "status", "photo", "video", "share"})
_ADDED = frozenset({"add", "edited", "edit", "update"})


def normalize_graph(payload: Any) -> list[Post]:
    """Every post and comment of one webhook delivery; raises SchemaError if any change cannot be a Post."""
    return collect(iter_graph(payload))


def iter_graph(payload: Any) -> Iterator[Result]:
    """One Post or SchemaError per ``entry[].changes[]`` item."""
    delivery = obj(load_json(payload), "")
    subscribed = delivery.get("object")
    platform = _PLATFORM_BY_OBJECT.get(subscribed) if isinstance(subscribed, str) else None
    if platform is None:
        shown = subscribed[:32] if isinstance(subscribed, str) else type_name(subscribed)
        raise SchemaError("object", f"{shown!r} is not a page or instagram webhook", "unsupported_format")
    entries = delivery.get("entry")
    if not isinstance(entries, list):
        raise SchemaError("entry", f"must be a list, got {type_name(entries)}", "wrong_type" if entries is not None
                          else "missing_field")
    for index, entry in enumerate(entries):
        path = join_path("entry", index)
        if not isinstance(entry, dict):
            yield SchemaError(path, f"must be an object, got {type_name(entry)}", "wrong_type")
            continue
        changes = entry.get("changes")
        if not isinstance(changes, list):
            yield SchemaError(join_path(path, "changes"), "must be a list of changes", "missing_field"
                              if changes is None else "wrong_type")
            continue
        entry_time = entry.get("time")
        items = ((join_path(path, f"changes[{number}]"), change) for number, change in enumerate(changes))
        yield from each(items, lambda change, when=entry_time: _change(platform, change, when))


def _change(platform: str, change: Any, entry_time: Any) -> Post:
    change = obj(change, "")
    field = change.get("field")
    value = obj(change.get("value"), "value")
    if platform == "facebook" and field in ("feed", "mention"):
        return _facebook(value, entry_time, field)
    if platform == "instagram" and field in ("comments", "live_comments"):
        return _instagram_comment(value, entry_time)
    if platform == "instagram" and field == "mentions":
        raise SchemaError("value", "an Instagram mention notification carries only ids; fetch the media or comment "
                          "from the Graph API", "unsupported_format")
    shown = field[:32] if isinstance(field, str) else type_name(field)
    raise SchemaError("field", f"{platform} webhook field {shown!r} carries no post", "unsupported_format")


def _event_time(value: dict[str, Any], entry_time: Any) -> float:
    created = value.get("created_time")
    if isinstance(created, str) and not created.isdigit():
        return iso_time(created.replace("+0000", "+00:00"), "value.created_time")
    if created is not None:
        return epoch_time(created, "value.created_time")
    if entry_time is None:
        raise SchemaError("value.created_time", "is missing (and the entry has no time)", "missing_field")
    if isinstance(entry_time, int | float) and not isinstance(entry_time, bool) and entry_time > 1e11:
        return epoch_time(entry_time, "entry.time", unit=1e-3)
    return epoch_time(entry_time, "entry.time")


def _facebook(value: dict[str, Any], entry_time: Any, field: str) -> Post:
    item = value.get("item")
    verb = value.get("verb")
    if verb == "remove" or verb == "delete":
        raise SchemaError("value.verb", f"the {item if isinstance(item, str) else 'item'} was removed",
                          "invalid_value")
    if not isinstance(verb, str) or verb not in _ADDED:
        shown = verb[:32] if isinstance(verb, str) else type_name(verb)
        raise SchemaError("value.verb", f"{shown!r} is not a new or edited item", "unsupported_format")
    post_id = native_id(value, "post_id", "value")
    sender = opt_obj(value, "from", "value")
    author_id = native_id(sender, "id", "value.from", required=False) or native_id(value, "sender_id", "value")
    author = {"id": f"facebook:{author_id}", "name": opt_str(sender, "name", "value.from")
              or opt_str(value, "sender_name", "value"), "followers": None}
    text = opt_str(value, "message", "value")
    if item == "comment" or item == "reply":
        native = native_id(value, "comment_id", "value")
        kind, parent = "reply", native_id(value, "parent_id", "value", required=False) or post_id
        url = f"https://www.facebook.com/{post_id}?comment_id={native}"
    elif isinstance(item, str) and item in _FEED_POSTS:
        native, kind, parent = post_id, ("repost" if item == "share" else "post"), None
        url = opt_str(value, "permalink_url", "value") or f"https://www.facebook.com/{post_id}"
    else:
        shown = item[:32] if isinstance(item, str) else type_name(item)
        raise SchemaError("value.item", f"{shown!r} ({field}) carries no post text", "unsupported_format")
    if text is None:
        raise SchemaError("value.message", "is missing", "missing_field")
    return build_post("facebook", native, author, text, _event_time(value, entry_time), url=url, kind=kind,
                      parent=parent, hashtags=hashtags_in(text), mentions=mentions_in(text))


def _instagram_comment(value: dict[str, Any], entry_time: Any) -> Post:
    comment_id = native_id(value, "id", "value")
    text = opt_str(value, "text", "value")
    if text is None:
        raise SchemaError("value.text", "is missing", "missing_field")
    sender = obj(value.get("from"), "value.from")
    media = opt_obj(value, "media", "value")
    parent = native_id(value, "parent_id", "value", required=False) or native_id(media, "id", "value.media",
                                                                                 required=False)
    return build_post(
        "instagram",
        comment_id,
        {"id": f"instagram:{native_id(sender, 'id', 'value.from')}", "handle": opt_str(sender, "username",
                                                                                         "value.from"),
         "followers": None},
        text,
        _event_time(value, entry_time),
        kind="reply",
        parent=parent,
        hashtags=hashtags_in(text),
        mentions=mentions_in(text),
    )
