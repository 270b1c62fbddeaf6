"""Bluesky: Jetstream commit events (``app.bsky.feed.post`` and ``app.bsky.feed.repost``) to Posts.

Ids are AT URIs (``bluesky:at://<did>/app.bsky.feed.post/<rkey>``) so replies, quotes and reposts point at their
parents by the same id. Jetstream carries no handle and no follower count: ``handle`` and ``followers`` are None.
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
    iso_time,
    join_path,
    load_json,
    obj,
    opt_obj,
    opt_str,
    req_str,
    type_name,
)
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["iter_bluesky", "normalize_bluesky"]

logger = logging.getLogger(__name__)

_POST = "app.bsky.feed.post"
_REPOST = "app.bsky.feed.repost"
_QUOTE_EMBEDS = frozenset({"app.bsky.embed.record", "app.bsky.embed.recordWithMedia"})


def normalize_bluesky(payload: Any) -> list[Post]:
    """One Jetstream event (or a list of them); raises SchemaError for deletes and non-post events."""
    return collect(iter_bluesky(payload))


def iter_bluesky(payload: Any) -> Iterator[Result]:
    """One Post or SchemaError per event."""
    value = load_json(payload)
    if isinstance(value, list):
        yield from each(((join_path("", index), event) for index, event in enumerate(value)), _event)
    else:
        yield from each([("", value)], _event)


def _event(event: Any) -> Post:
    event = obj(event, "")
    did = req_str(event, "did", "")
    kind = event.get("kind")
    if kind != "commit":
        shown = kind[:32] if isinstance(kind, str) else type_name(kind)
        raise SchemaError("kind", f"{shown!r} events carry no post", "unsupported_format")
    commit = obj(event.get("commit"), "commit")
    collection = req_str(commit, "collection", "commit")
    rkey = req_str(commit, "rkey", "commit")
    operation = commit.get("operation")
    if operation == "delete":
        raise SchemaError("commit.operation", f"record {collection}/{rkey[:32]} was deleted", "invalid_value")
    if operation not in ("create", "update"):
        shown = operation[:32] if isinstance(operation, str) else type_name(operation)
        raise SchemaError("commit.operation", f"{shown!r} is not create or update", "unsupported_format")
    if collection not in (_POST, _REPOST):
        raise SchemaError("commit.collection", f"{collection[:64]!r} is not a post or a repost", "unsupported_format")
    record = obj(commit.get("record"), "commit.record")
    created_at = _created_at(record, event.get("time_us"))
    author = {"id": f"bluesky:{did}", "handle": None, "followers": None}
    uri = f"at://{did}/{collection}/{rkey}"
    if collection == _REPOST:
        subject = obj(record.get("subject"), "commit.record.subject")
        return build_post("bluesky", uri, author, "", created_at, kind="repost",
                          parent=req_str(subject, "uri", "commit.record.subject"))
    text = opt_str(record, "text", "commit.record")
    if text is None:
        raise SchemaError("commit.record.text", "is missing", "missing_field")
    kind, parent = _parent(record)
    tags, mentions = _facets(record, text)
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    return build_post(
        "bluesky", uri, author, text, created_at,
        url=f"https://bsky.app/profile/{did}/post/{rkey}", lang=lang, kind=kind, parent=parent,
        hashtags=tags, mentions=mentions,
    )


def _created_at(record: dict[str, Any], time_us: Any) -> float:
    """The record's own ``createdAt``; Jetstream's ``time_us`` when it is absent or unparseable."""
    try:
        return iso_time(record.get("createdAt"), "commit.record.createdAt")
    except SchemaError:
        if time_us is None:
            raise
        return epoch_time(time_us, "time_us", unit=1e-6)


def _parent(record: dict[str, Any]) -> tuple[str, str | None]:
    reply = opt_obj(record, "reply", "commit.record")
    if reply:
        parent = obj(reply.get("parent"), "commit.record.reply.parent")
        return "reply", req_str(parent, "uri", "commit.record.reply.parent")
    embed = opt_obj(record, "embed", "commit.record")
    embed_type = embed.get("$type")
    if isinstance(embed_type, str) and embed_type in _QUOTE_EMBEDS:
        quoted = opt_obj(embed, "record", "commit.record.embed")
        if "record" in quoted and isinstance(quoted["record"], dict):
            quoted = quoted["record"]
        uri = quoted.get("uri")
        if isinstance(uri, str) and uri:
            return "quote", uri
    return "post", None


def _facets(record: dict[str, Any], text: str) -> tuple[list[str], list[str]]:
    facets = record.get("facets")
    if not isinstance(facets, list):
        return [], []
    encoded = text.encode("utf-8", "surrogatepass")
    tags: list[str] = []
    mentions: list[str] = []
    for facet in facets:
        if not isinstance(facet, dict) or not isinstance(facet.get("features"), list):
            continue
        for feature in facet["features"]:
            if not isinstance(feature, dict):
                continue
            kind = feature.get("$type")
            if kind == "app.bsky.richtext.facet#tag" and isinstance(feature.get("tag"), str):
                tags.append(feature["tag"])
            elif kind == "app.bsky.richtext.facet#mention":
                mentions.append(_mention(facet.get("index"), encoded) or str(feature.get("did") or ""))
    return tags, mentions


def _mention(index: Any, encoded: bytes) -> str | None:
    """The ``@handle`` the mention facet's byte range covers, without the ``@``."""
    if not isinstance(index, dict):
        return None
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not (isinstance(start, int) and isinstance(end, int)) or not 0 <= start < end <= len(encoded):
        return None
    handle = encoded[start:end].decode("utf-8", "ignore").strip().lstrip("@")
    return handle or None
