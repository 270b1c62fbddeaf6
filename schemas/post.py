"""The normalized Post: what every source becomes before it reaches ``siaga.posts``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from schemas import _checks as check
from schemas.errors import SchemaError
from schemas.frozen import positional_builder
from schemas.times import format_time, parse_time

__all__ = ["KINDS", "MAX_RECORD_BYTES", "MAX_TEXT_CHARS", "PLATFORMS", "Author", "Engagement", "Post", "check_post_id"]

SCHEMA_VERSION = 1
PLATFORMS: frozenset[str] = frozenset(
    {"x", "facebook", "instagram", "tiktok", "youtube", "reddit", "mastodon", "bluesky", "threads", "news", "blog",
     "forum"}
)
KINDS: frozenset[str] = frozenset({"post", "reply", "repost", "quote"})
MAX_TEXT_CHARS = 65_536
MAX_RECORD_BYTES = 1_048_576
_ID_PATTERN = re.compile(r"^[a-z]+:[^\s\x00-\x1f\x7f]+$")
_FIELDS = frozenset(
    {"schema_version", "id", "platform", "url", "author", "text", "lang", "created_at", "ingested_at", "kind",
     "parent_id", "engagement", "hashtags", "mentions"}
)
_AUTHOR_FIELDS = frozenset({"id", "handle", "name", "followers", "verified"})
_ENGAGEMENT_FIELDS = frozenset({"likes", "reposts", "replies", "quotes", "views"})


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a post. ``followers`` is None when the platform did not say."""

    id: str
    handle: str | None = None
    name: str | None = None
    followers: int | None = None
    verified: bool = False

    @classmethod
    def from_dict(cls, record: Any, path: str = "author") -> Author:
        """Validate and build an Author from decoded JSON."""
        record = check.obj(record, path)
        check.no_extra_keys(record, _AUTHOR_FIELDS, path)
        return cls(
            id=check.string(check.get(record, "id", f"{path}.id"), f"{path}.id", 512, allow_empty=False),
            handle=check.optional_string(record.get("handle", check.MISSING), f"{path}.handle", 512),
            name=check.optional_string(record.get("name", check.MISSING), f"{path}.name", 1024),
            followers=check.optional_count(record.get("followers", check.MISSING), f"{path}.followers"),
            verified=check.boolean(record.get("verified", check.MISSING), f"{path}.verified"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form."""
        return {"id": self.id, "handle": self.handle, "name": self.name, "followers": self.followers,
                "verified": self.verified}


@dataclass(frozen=True, slots=True)
class Engagement:
    """Interaction counts at the time the post was read."""

    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    views: int | None = None

    @property
    def total(self) -> int:
        """Likes, reposts, replies and quotes together (views are not engagement)."""
        return self.likes + self.reposts + self.replies + self.quotes

    @classmethod
    def from_dict(cls, record: Any, path: str = "engagement") -> Engagement:
        """Validate and build Engagement from decoded JSON (a missing count is 0)."""
        if record is check.MISSING or record is None:
            return cls()
        record = check.obj(record, path)
        check.no_extra_keys(record, _ENGAGEMENT_FIELDS, path)
        counts = {
            name: check.count(record[name], f"{path}.{name}") for name in ("likes", "reposts", "replies", "quotes")
            if name in record
        }
        return cls(**counts, views=check.optional_count(record.get("views", check.MISSING), f"{path}.views"))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form."""
        return {"likes": self.likes, "reposts": self.reposts, "replies": self.replies, "quotes": self.quotes,
                "views": self.views}


@dataclass(frozen=True, slots=True)
class Post:
    """A post from any platform in Siaga's one shape (``schemas/post.schema.json``).

    >>> post = Post.from_json(b'{"schema_version": 1, "id": "x:1", "platform": "x", "author": {"id": "x:u9"},'
    ...                       b' "text": "Layanan lemot banget", "created_at": "2026-01-05T08:00:00+07:00"}')
    >>> post.created_at, post.kind
    (1767574800.0, 'post')
    >>> Post.from_json(post.to_json()) == post
    True
    >>> Post.from_json(b'{"id": "x:1"}')
    Traceback (most recent call last):
    ...
    schemas.errors.SchemaError: schema_version: is missing
    """

    id: str
    platform: str
    author: Author
    text: str
    created_at: float
    url: str | None = None
    lang: str | None = None
    ingested_at: float | None = None
    kind: str = "post"
    parent_id: str | None = None
    engagement: Engagement = field(default_factory=Engagement)
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: bytes | str) -> Post:
        """Decode and validate one JSON document; raises :class:`SchemaError` naming the field."""
        return cls.from_dict(check.load_object(data, MAX_RECORD_BYTES))

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Post:
        """Validate decoded JSON and build the Post."""
        post = _plainly_valid(record) if cls is Post else None
        return post if post is not None else cls._checked(record)

    @classmethod
    def _checked(cls, record: dict[str, Any]) -> Post:
        """Validate field by field, raising :class:`SchemaError` at the first problem (the reference path)."""
        record = check.obj(record, "")
        version = check.get(record, "schema_version", "schema_version")
        if version != SCHEMA_VERSION or isinstance(version, bool):
            raise SchemaError("schema_version", f"must be {SCHEMA_VERSION}, got {version!r}")
        check.no_extra_keys(record, _FIELDS, "")
        platform = check.choice(check.get(record, "platform", "platform"), "platform", PLATFORMS, "unknown_platform")
        post_id = check.string(check.get(record, "id", "id"), "id", 512)
        check_post_id(post_id, platform)
        kind = check.choice(record.get("kind", "post"), "kind", KINDS)
        return cls(
            id=post_id,
            platform=platform,
            author=Author.from_dict(check.get(record, "author", "author")),
            text=check.string(check.get(record, "text", "text"), "text", MAX_TEXT_CHARS),
            created_at=parse_time(check.get(record, "created_at", "created_at"), "created_at"),
            url=check.optional_string(record.get("url", check.MISSING), "url", 4096),
            lang=check.optional_string(record.get("lang", check.MISSING), "lang", 16),
            ingested_at=_optional_time(record.get("ingested_at"), "ingested_at"),
            kind=kind,
            parent_id=check.optional_string(record.get("parent_id", check.MISSING), "parent_id", 512),
            engagement=Engagement.from_dict(record.get("engagement", check.MISSING)),
            hashtags=check.string_list(record.get("hashtags", check.MISSING), "hashtags", 256, 256),
            mentions=check.string_list(record.get("mentions", check.MISSING), "mentions", 256, 256),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form, as the schema file describes it."""
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "platform": self.platform,
            "url": self.url,
            "author": self.author.to_dict(),
            "text": self.text,
            "lang": self.lang,
            "created_at": format_time(self.created_at),
            "ingested_at": None if self.ingested_at is None else format_time(self.ingested_at),
            "kind": self.kind,
            "parent_id": self.parent_id,
            "engagement": self.engagement.to_dict(),
            "hashtags": list(self.hashtags),
            "mentions": list(self.mentions),
        }

    def to_json(self, *, ingested_at: float | None = None) -> bytes:
        """Serialize with orjson; ``ingested_at`` stamps a post that carries no ingest time yet.

        >>> post = Post("x:1", "x", Author("x:u1"), "hi", 1767574800.0)
        >>> orjson.loads(post.to_json(ingested_at=1767574801.5))["ingested_at"]
        '2026-01-05T01:00:01.500Z'
        """
        record = self.to_dict()
        if ingested_at is not None and self.ingested_at is None:
            record["ingested_at"] = format_time(ingested_at)
        return orjson.dumps(record)


_PREFIXES = {platform: platform + ":" for platform in PLATFORMS}
_build_post = positional_builder(Post)
_build_author = positional_builder(Author)
_build_engagement = positional_builder(Engagement)


def _plainly_valid(record: Any) -> Post | None:
    """The Post of a record that passes every check of :meth:`Post._checked`, built with only cheap tests.

    None means "not sure": the caller then runs the full checks, which build the same Post or name the problem.
    Every test here is at least as strict as its counterpart, so both paths accept and build exactly the same.
    """
    if type(record) is not dict or not _FIELDS.issuperset(record):
        return None
    get = record.get
    version, platform, post_id = get("schema_version"), get("platform"), get("id")
    if type(version) is not int or version != SCHEMA_VERSION or type(platform) is not str:
        return None
    prefix = _PREFIXES.get(platform)
    if (prefix is None or type(post_id) is not str or not len(prefix) < len(post_id) <= 512
            or not post_id.startswith(prefix)):
        return None
    native = post_id[len(prefix):]  # printable ASCII without spaces passes _ID_PATTERN; anything else: full checks
    if not (native.isascii() and native.isprintable()) or " " in native:
        return None
    kind, text, author = get("kind", "post"), get("text"), get("author")
    if type(kind) is not str or kind not in KINDS or type(text) is not str or len(text) > MAX_TEXT_CHARS:
        return None
    if type(author) is not dict or not _AUTHOR_FIELDS.issuperset(author):
        return None
    author_get = author.get
    author_id, handle, name = author_get("id"), author_get("handle"), author_get("name")
    followers, verified = author_get("followers"), author_get("verified", False)
    if (type(author_id) is not str or not 0 < len(author_id) <= 512
            or not (handle is None or (type(handle) is str and len(handle) <= 512))
            or not (name is None or (type(name) is str and len(name) <= 1024)) or type(verified) is not bool
            or not (followers is None or (type(followers) is int and followers >= 0))):
        return None
    url, lang, parent_id = get("url"), get("lang"), get("parent_id")
    if not ((url is None or (type(url) is str and len(url) <= 4096))
            and (lang is None or (type(lang) is str and len(lang) <= 16))
            and (parent_id is None or (type(parent_id) is str and len(parent_id) <= 512))):
        return None
    hashtags, mentions = get("hashtags"), get("mentions")
    hashtags = () if hashtags is None or hashtags == [] else check.plain_strings(hashtags, 256, 256)
    mentions = () if mentions is None or mentions == [] else check.plain_strings(mentions, 256, 256)
    if hashtags is None or mentions is None:
        return None
    raw = get("engagement")
    if raw is None:
        engagement = _build_engagement(0, 0, 0, 0, None)
    else:
        if type(raw) is not dict or not _ENGAGEMENT_FIELDS.issuperset(raw):
            return None
        likes, reposts, replies = raw.get("likes", 0), raw.get("reposts", 0), raw.get("replies", 0)
        quotes, views = raw.get("quotes", 0), raw.get("views")
        if not (type(likes) is int and likes >= 0 and type(reposts) is int and reposts >= 0
                and type(replies) is int and replies >= 0 and type(quotes) is int and quotes >= 0
                and (views is None or (type(views) is int and views >= 0))):
            return None
        engagement = _build_engagement(likes, reposts, replies, quotes, views)
    ingested_at = get("ingested_at")
    try:
        created = parse_time(get("created_at"), "created_at")
        ingested = None if ingested_at is None else parse_time(ingested_at, "ingested_at")
    except SchemaError:
        return None
    # positional, in field order (the record tests compare this path with the full checks)
    return _build_post(post_id, platform, _build_author(author_id, handle, name, followers, verified), text, created,
                       url, lang, ingested, kind, parent_id, engagement, hashtags, mentions)


def check_post_id(post_id: str, platform: str) -> str:
    """``post_id`` when it reads ``<platform>:<native id>`` with no spaces or control characters.

    >>> check_post_id("x:123", "x")
    'x:123'
    >>> check_post_id("x:12 3", "x")
    Traceback (most recent call last):
    ...
    schemas.errors.SchemaError: id: must look like '<platform>:<native id>' with no spaces or control ...
    """
    if not _ID_PATTERN.fullmatch(post_id):
        raise SchemaError("id", f"must look like '<platform>:<native id>' with no spaces or control characters, "
                                f"got {post_id[:64]!r}")
    if not post_id.startswith(platform + ":"):
        raise SchemaError("id", f"must start with the platform, '{platform}:'")
    return post_id


def _optional_time(value: Any, field_name: str) -> float | None:
    return None if value is None else parse_time(value, field_name)
