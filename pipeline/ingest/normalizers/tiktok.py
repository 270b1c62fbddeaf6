"""TikTok Research API: ``video/query`` and ``video/comment/list`` responses to Posts.

Videos carry the creator's ``username`` and counts; the Research API does not identify commenters, so a comment's
author is ``tiktok:unknown``. A response whose ``error.code`` is not ``ok`` is a SchemaError.
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
    epoch_time,
    hashtags_in,
    join_path,
    load_json,
    mentions_in,
    native_id,
    obj,
    opt_str,
    type_name,
)
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["UNKNOWN_AUTHOR", "iter_tiktok", "normalize_tiktok"]

logger = logging.getLogger(__name__)

#: Author id given to comments, whose authors the Research API does not disclose.
UNKNOWN_AUTHOR = "tiktok:unknown"


def normalize_tiktok(payload: Any) -> list[Post]:
    """Every video or comment of a Research API response; raises SchemaError on an API error or a bad item."""
    return collect(iter_tiktok(payload))


def iter_tiktok(payload: Any) -> Iterator[Result]:
    """One Post or SchemaError per video or comment."""
    response = obj(load_json(payload), "")
    error = response.get("error")
    if isinstance(error, dict) and error.get("code") not in (None, "ok"):
        code = error.get("code")
        message = error.get("message")
        raise SchemaError("error", f"TikTok API error {str(code)[:64]!r}: {str(message or '')[:200]}",
                          "invalid_value")
    data = response.get("data", response)
    data = obj(data, "data" if "data" in response else "")
    for key, build in (("videos", _video), ("comments", _comment)):
        if key in data:
            items = data[key]
            if not isinstance(items, list):
                raise SchemaError(join_path("data", key), f"must be a list, got {type_name(items)}", "wrong_type")
            yield from each(((join_path(f"data.{key}", index), item) for index, item in enumerate(items)), build)
            return
    if "id" in data:
        yield from each([("", data)], _comment if "video_id" in data else _video)
        return
    raise SchemaError("data", "holds neither videos nor comments", "unsupported_format")


def _video(video: Any) -> Post:
    video = obj(video, "")
    video_id = native_id(video, "id", "")
    username = opt_str(video, "username", "")
    text = opt_str(video, "video_description", "") or ""
    tags = video.get("hashtag_names")
    hashtags = [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else hashtags_in(text)
    return build_post(
        "tiktok",
        video_id,
        {"id": f"tiktok:{username}" if username else UNKNOWN_AUTHOR, "handle": username, "followers": None},
        text,
        epoch_time(video.get("create_time"), "create_time"),
        url=f"https://www.tiktok.com/@{username}/video/{video_id}" if username else None,
        engagement={
            "likes": count(video, "like_count", ""),
            "reposts": count(video, "share_count", ""),
            "replies": count(video, "comment_count", ""),
            "views": count(video, "view_count", ""),
        },
        hashtags=hashtags,
        mentions=mentions_in(text),
    )


def _comment(comment: Any) -> Post:
    comment = obj(comment, "")
    text = opt_str(comment, "text", "")
    if text is None:
        raise SchemaError("text", "is missing", "missing_field")
    video_id = native_id(comment, "video_id", "")
    parent = native_id(comment, "parent_comment_id", "", required=False) or video_id
    return build_post(
        "tiktok",
        native_id(comment, "id", ""),
        {"id": UNKNOWN_AUTHOR, "followers": None},
        text,
        epoch_time(comment.get("create_time"), "create_time"),
        kind="reply",
        parent=parent,
        engagement={"likes": count(comment, "like_count", ""), "replies": count(comment, "reply_count", "")},
        hashtags=hashtags_in(text),
        mentions=mentions_in(text),
    )
