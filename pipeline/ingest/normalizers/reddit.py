"""Reddit: submissions (``t3``) and comments (``t1``) in the API's ``kind``/``data`` thing and Listing shape.

Accepts one thing, a Listing, or the two-Listing array of a comments page; nested ``replies`` are walked. Ids are
fullnames (``reddit:t3_abc``), so a comment's ``parent_id`` is the id of the post or comment it answers.
``more`` placeholders are pagination, not content, and are skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from pipeline.ingest.normalizers._common import (
    Result,
    build_post,
    collect,
    count,
    each,
    epoch_time,
    join_path,
    load_json,
    native_id,
    obj,
    opt_str,
    type_name,
    unique,
)
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["iter_reddit", "normalize_reddit"]

logger = logging.getLogger(__name__)

_GONE = frozenset({"[deleted]", "[removed]"})
_USER = re.compile(r"(?<![\w/])/?u/([\w\-]{3,20})")
_MAX_DEPTH = 64


def normalize_reddit(payload: Any) -> list[Post]:
    """Every submission and comment in a Reddit API response; raises SchemaError if any is invalid or removed."""
    return collect(iter_reddit(payload))


def iter_reddit(payload: Any) -> Iterator[Result]:
    """One Post or SchemaError per submission or comment."""
    value = load_json(payload)
    if not isinstance(value, list | dict):
        raise SchemaError("", f"must be a JSON object or array, got {type_name(value)}", "not_an_object")
    things = list(_things(value, "", 0))
    if not things and isinstance(value, dict) and value.get("kind") != "Listing":
        raise SchemaError("kind", "is not a Reddit thing (t1, t3) or Listing", "unsupported_format")
    yield from each(things, _thing)


def _things(value: Any, path: str, depth: int) -> Iterator[tuple[str, Any]]:
    if depth > _MAX_DEPTH:
        raise SchemaError(path, f"nests deeper than {_MAX_DEPTH} levels", "too_large")
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _things(item, join_path(path, index), depth + 1)
        return
    if not isinstance(value, dict):
        yield path, value
        return
    kind = value.get("kind")
    data = value.get("data")
    if kind == "Listing":
        children = obj(data, join_path(path, "data")).get("children")
        if not isinstance(children, list):
            raise SchemaError(join_path(path, "data.children"), "must be a list", "wrong_type")
        for index, child in enumerate(children):
            yield from _things(child, join_path(path, f"data.children[{index}]"), depth + 1)
    elif kind == "more":
        return
    else:
        yield path, value
        replies = data.get("replies") if isinstance(data, dict) else None
        if isinstance(replies, dict):
            yield from _things(replies, join_path(path, "data.replies"), depth + 1)


def _thing(thing: Any) -> Post:
    thing = obj(thing, "")
    kind = thing.get("kind")
    if kind not in ("t1", "t3"):
        shown = kind[:16] if isinstance(kind, str) else type_name(kind)
        raise SchemaError("kind", f"{shown!r} is not a submission (t3) or a comment (t1)", "unsupported_format")
    data = obj(thing.get("data"), "data")
    native = native_id(data, "id", "data")
    fullname = f"{kind}_{native}"
    author = opt_str(data, "author", "data")
    if kind == "t3":
        title = opt_str(data, "title", "data") or ""
        body = opt_str(data, "selftext", "data") or ""
        removed = data.get("removed_by_category")
        if isinstance(removed, str) or (body in _GONE and author in _GONE):
            raise SchemaError("data.selftext", f"submission {fullname} was removed ({removed or body})",
                              "invalid_value")
        text = f"{title}\n\n{body}" if body and body not in _GONE else title
        crosspost = opt_str(data, "crosspost_parent", "data")
        post_kind, parent = ("repost", crosspost) if crosspost else ("post", None)
        replies = count(data, "num_comments", "data")
    else:
        text = opt_str(data, "body", "data")
        if text is None:
            raise SchemaError("data.body", "is missing", "missing_field")
        if text in _GONE:
            raise SchemaError("data.body", f"comment {fullname} was {text.strip('[]')}", "invalid_value")
        post_kind, parent = "reply", opt_str(data, "parent_id", "data")
        replies = None
    author_id = opt_str(data, "author_fullname", "data") or f"u/{author or '[deleted]'}"
    permalink = opt_str(data, "permalink", "data")
    return build_post(
        "reddit",
        fullname,
        {"id": f"reddit:{author_id}", "handle": author, "followers": None},
        text,
        epoch_time(data.get("created_utc"), "data.created_utc"),
        url=f"https://www.reddit.com{permalink}" if permalink else None,
        kind=post_kind,
        parent=parent,
        engagement={"likes": count(data, "score", "data"), "replies": replies},
        mentions=unique(_USER.findall(text)) if "u/" in text else [],
    )
