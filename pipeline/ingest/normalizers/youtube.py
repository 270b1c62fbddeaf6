"""YouTube Data API v3: ``commentThread`` resources (top-level comment plus loaded replies) to Posts.

A top-level comment is a ``reply`` to its video (``youtube:<videoId>``); a reply's parent is the top-level
comment. Counts come from ``likeCount`` and ``totalReplyCount``; YouTube exposes no follower count here.
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
    hashtags_in,
    html_to_text,
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

__all__ = ["iter_youtube", "normalize_youtube"]

logger = logging.getLogger(__name__)


def normalize_youtube(payload: Any) -> list[Post]:
    """Every comment of a ``commentThreads.list`` response or one thread; raises SchemaError on any bad comment."""
    return collect(iter_youtube(payload))


def iter_youtube(payload: Any) -> Iterator[Result]:
    """One Post or SchemaError per comment (top-level comments and their loaded replies)."""
    response = obj(load_json(payload), "")
    if response.get("kind") == "youtube#commentThread":
        threads: list[tuple[str, Any]] = [("", response)]
    elif "items" in response:
        items = response["items"]
        if not isinstance(items, list):
            raise SchemaError("items", f"must be a list, got {type_name(items)}", "wrong_type")
        threads = [(join_path("items", index), thread) for index, thread in enumerate(items)]
    else:
        raise SchemaError("kind", "is not a youtube#commentThread or a list response", "unsupported_format")
    for path, thread in threads:
        yield from each(_comments(thread, path), _comment)


def _comments(thread: Any, path: str) -> Iterator[tuple[str, Any]]:
    if not isinstance(thread, dict):
        yield path, thread
        return
    snippet = thread.get("snippet")
    if not isinstance(snippet, dict) or not isinstance(snippet.get("topLevelComment"), dict):
        yield path, {"missing": join_path(path, "snippet.topLevelComment")}
        return
    top = snippet["topLevelComment"]
    yield join_path(path, "snippet.topLevelComment"), (top, snippet.get("totalReplyCount"))
    replies = thread.get("replies")
    comments = replies.get("comments") if isinstance(replies, dict) else None
    if isinstance(comments, list):
        for index, reply in enumerate(comments):
            yield join_path(path, f"replies.comments[{index}]"), (reply, None)


def _comment(item: Any) -> Post:
    if isinstance(item, dict) and "missing" in item:
        raise SchemaError("snippet.topLevelComment", "is missing (comment unavailable)", "missing_field")
    if not isinstance(item, tuple):
        raise SchemaError("", f"must be a commentThread object, got {type_name(item)}", "not_an_object")
    comment, total_replies = item
    comment = obj(comment, "")
    comment_id = native_id(comment, "id", "")
    snippet = obj(comment.get("snippet"), "snippet")
    text = opt_str(snippet, "textOriginal", "snippet")
    if text is None:
        display = opt_str(snippet, "textDisplay", "snippet")
        if display is None:
            raise SchemaError("snippet.textOriginal", "is missing", "missing_field")
        text = html_to_text(display)
    video = native_id(snippet, "videoId", "snippet", required=False)
    parent_comment = native_id(snippet, "parentId", "snippet", required=False)
    channel = native_id(opt_obj(snippet, "authorChannelId", "snippet"), "value", "snippet.authorChannelId")
    display_name = opt_str(snippet, "authorDisplayName", "snippet")
    replies = count({"n": total_replies}, "n", "snippet.totalReplyCount") if total_replies is not None else None
    return build_post(
        "youtube",
        comment_id,
        {"id": f"youtube:{channel}", "handle": display_name.lstrip("@") if display_name else None,
         "name": display_name, "followers": None},
        text,
        iso_time(snippet.get("publishedAt"), "snippet.publishedAt"),
        url=f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else None,
        kind="reply",
        parent=parent_comment or video,
        engagement={"likes": count(snippet, "likeCount", "snippet"), "replies": replies},
        hashtags=hashtags_in(text),
        mentions=mentions_in(text),
    )
