"""X (Twitter) API v2: tweet lookup, search and filtered-stream responses to Posts.

A response holds ``data`` (one tweet or a list), ``includes.users`` (the authors) and ``errors`` (tweets that
were deleted, protected or suspended: each becomes a SchemaError, never a silent drop).
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

__all__ = ["iter_x", "normalize_x"]

logger = logging.getLogger(__name__)

_KIND_BY_REFERENCE = {"retweeted": "repost", "replied_to": "reply", "quoted": "quote"}


def normalize_x(payload: Any) -> list[Post]:
    """Every tweet of an X API v2 response; raises SchemaError if any tweet is invalid or unavailable."""
    return collect(iter_x(payload))


def iter_x(payload: Any) -> Iterator[Result]:
    """One Post or SchemaError per tweet (and per unavailable tweet listed in ``errors``)."""
    response = obj(load_json(payload), "")
    data = response.get("data")
    errors = response.get("errors")
    if data is None and not errors:
        raise SchemaError("data", "is missing (no tweets and no errors)", "missing_field")
    users = _users(opt_obj(response, "includes", ""))
    if isinstance(data, dict):
        items: list[tuple[str, Any]] = [("data", data)]
    elif isinstance(data, list):
        items = [(join_path("data", index), tweet) for index, tweet in enumerate(data)]
    elif data is None:
        items = []
    else:
        raise SchemaError("data", f"must be a tweet or a list of tweets, got {type_name(data)}", "wrong_type")
    yield from each(items, lambda tweet: _tweet(tweet, users))
    if errors is not None:
        yield from _unavailable(errors)


def _users(includes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    users = includes.get("users")
    if not isinstance(users, list):
        return {}
    by_id: dict[str, dict[str, Any]] = {}
    for user in users:
        if isinstance(user, dict) and isinstance(user.get("id"), str):
            by_id[user["id"]] = user
    return by_id


def _unavailable(errors: Any) -> Iterator[SchemaError]:
    if not isinstance(errors, list):
        yield SchemaError("errors", f"must be a list, got {type_name(errors)}", "wrong_type")
        return
    for index, error in enumerate(errors):
        path = join_path("errors", index)
        if not isinstance(error, dict):
            yield SchemaError(path, f"must be an object, got {type_name(error)}", "wrong_type")
            continue
        parameter = error.get("parameter")
        if (parameter is not None and parameter not in ("id", "ids")) or error.get("resource_type", "tweet") != "tweet":
            logger.debug("X partial error about an expansion: %s", error.get("title"))
            continue
        resource = str(error.get("resource_id") or error.get("value") or "?")[:64]
        title = str(error.get("title") or "error")[:128]
        detail = str(error.get("detail") or "")[:256]
        yield SchemaError(path, f"tweet {resource} is unavailable ({title}): {detail}".rstrip(": "), "invalid_value")


def _tweet(tweet: Any, users: dict[str, dict[str, Any]]) -> Post:
    tweet = obj(tweet, "")
    tweet_id = native_id(tweet, "id", "")
    note = opt_obj(tweet, "note_tweet", "")
    text = opt_str(note, "text", "note_tweet") if note else None
    if text is None:
        text = opt_str(tweet, "text", "")
        if text is None:
            raise SchemaError("text", "is missing", "missing_field")
    author_id = native_id(tweet, "author_id", "")
    user = users.get(author_id, {})
    handle = user.get("username") if isinstance(user.get("username"), str) else None
    followers = count(opt_obj(user, "public_metrics", "user"), "followers_count", "user.public_metrics")
    kind, parent = _reference(tweet.get("referenced_tweets"))
    metrics = opt_obj(tweet, "public_metrics", "")
    entities = opt_obj(note if "entities" in note else tweet, "entities", "note_tweet" if "entities" in note else "")
    return build_post(
        "x",
        tweet_id,
        {"id": f"x:{author_id}", "handle": handle, "name": user.get("name") if isinstance(user.get("name"), str)
         else None, "followers": followers, "verified": user.get("verified") is True},
        text,
        iso_time(tweet.get("created_at"), "created_at"),
        url=f"https://x.com/{handle}/status/{tweet_id}" if handle else f"https://x.com/i/web/status/{tweet_id}",
        lang=opt_str(tweet, "lang", ""),
        kind=kind,
        parent=parent,
        engagement={
            "likes": count(metrics, "like_count", "public_metrics"),
            "reposts": count(metrics, "retweet_count", "public_metrics"),
            "replies": count(metrics, "reply_count", "public_metrics"),
            "quotes": count(metrics, "quote_count", "public_metrics"),
            "views": count(metrics, "impression_count", "public_metrics"),
        },
        hashtags=_entity_values(entities, "hashtags", "tag") if entities else hashtags_in(text),
        mentions=_entity_values(entities, "mentions", "username") if entities else mentions_in(text),
    )


def _reference(references: Any) -> tuple[str, str | None]:
    """(kind, parent native id): a retweet wins over a reply, a reply over a quote."""
    if references is None:
        return "post", None
    if not isinstance(references, list):
        raise SchemaError("referenced_tweets", f"must be a list, got {type_name(references)}", "wrong_type")
    found: dict[str, str] = {}
    for index, reference in enumerate(references):
        reference = obj(reference, join_path("referenced_tweets", index))
        reference_type = reference.get("type")
        kind = _KIND_BY_REFERENCE.get(reference_type) if isinstance(reference_type, str) else None
        if kind is not None:
            found.setdefault(kind, native_id(reference, "id", join_path("referenced_tweets", index)))
    for kind in ("repost", "reply", "quote"):
        if kind in found:
            return kind, found[kind]
    return "post", None


def _entity_values(entities: dict[str, Any], name: str, key: str) -> list[str]:
    values = entities.get(name)
    if not isinstance(values, list):
        return []
    return [entity[key] for entity in values if isinstance(entity, dict) and isinstance(entity.get(key), str)]
