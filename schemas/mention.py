"""The Mention: one post matched to one watched subject, with language and sentiment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from schemas import _checks as check
from schemas.errors import SchemaError
from schemas.frozen import positional_builder
from schemas.post import KINDS, MAX_RECORD_BYTES, MAX_TEXT_CHARS, Post
from schemas.times import format_time, parse_time

__all__ = ["SENTIMENT_LABELS", "Mention", "Sentiment"]

SCHEMA_VERSION = 1
SENTIMENT_LABELS: frozenset[str] = frozenset({"negative", "neutral", "positive"})


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A sentiment judgement: a label and a score in [-1, 1] (negative below zero)."""

    label: str
    score: float

    @classmethod
    def from_dict(cls, record: Any, path: str = "sentiment") -> Sentiment:
        """Validate and build a Sentiment from decoded JSON."""
        record = check.obj(record, path)
        label = check.choice(check.get(record, "label", f"{path}.label"), f"{path}.label", SENTIMENT_LABELS)
        score = check.get(record, "score", f"{path}.score")
        if isinstance(score, bool) or not isinstance(score, int | float) or not -1.0 <= score <= 1.0:
            raise SchemaError(f"{path}.score", f"must be a number in [-1, 1], got {score!r}", "wrong_type")
        return cls(label=label, score=float(score))


@dataclass(frozen=True, slots=True)
class Mention:
    """A post seen through one subject (``schemas/mention.schema.json``); keyed by ``subject_id`` on Kafka.

    >>> from schemas.post import Author, Post
    >>> post = Post(id="x:1", platform="x", author=Author(id="x:u1", followers=120), text="BRI down lagi",
    ...             created_at=1767574800.0)
    >>> mention = Mention.from_post(post, "bank-bri", matched=("bri",))
    >>> mention.reach, mention.sentiment is None
    (120, True)
    >>> Mention.from_json(mention.to_json()) == mention
    True
    """

    post_id: str
    subject_id: str
    platform: str
    author_id: str
    text: str
    created_at: float
    url: str | None = None
    author_handle: str | None = None
    followers: int = 0
    reach: int = 0
    lang: str | None = None
    sentiment: Sentiment | None = None
    ingested_at: float | None = None
    kind: str = "post"
    hashtags: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()
    official: bool = False

    @classmethod
    def from_post(
        cls,
        post: Post,
        subject_id: str,
        *,
        matched: tuple[str, ...] = (),
        official: bool = False,
        lang: str | None = None,
        sentiment: Sentiment | None = None,
    ) -> Mention:
        """Build the mention of ``subject_id`` that ``post`` makes."""
        author = post.author
        followers = author.followers or 0
        # positional, in field order: the enricher builds one mention per matched post
        build = _build_mention if cls is Mention else cls
        return build(
            post.id, subject_id, post.platform, author.id, post.text, post.created_at, post.url, author.handle,
            followers, followers + post.engagement.total, lang if lang is not None else post.lang, sentiment,
            post.ingested_at, post.kind, post.hashtags, matched, official,
        )

    @classmethod
    def from_json(cls, data: bytes | str) -> Mention:
        """Decode and validate one JSON document; raises :class:`SchemaError` naming the field."""
        return cls.from_dict(check.load_object(data, MAX_RECORD_BYTES))

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Mention:
        """Validate decoded JSON and build the Mention."""
        mention = _plainly_valid(record) if cls is Mention else None
        return mention if mention is not None else cls._checked(record)

    @classmethod
    def _checked(cls, record: dict[str, Any]) -> Mention:
        """Validate field by field, raising :class:`SchemaError` at the first problem (the reference path)."""
        record = check.obj(record, "")
        version = check.get(record, "schema_version", "schema_version")
        if version != SCHEMA_VERSION or isinstance(version, bool):
            raise SchemaError("schema_version", f"must be {SCHEMA_VERSION}, got {version!r}")
        sentiment = record.get("sentiment")
        ingested_at = record.get("ingested_at")
        return cls(
            post_id=check.string(check.get(record, "post_id", "post_id"), "post_id", 512),
            subject_id=check.string(check.get(record, "subject_id", "subject_id"), "subject_id", 128),
            platform=check.string(check.get(record, "platform", "platform"), "platform", 32),
            author_id=check.string(check.get(record, "author_id", "author_id"), "author_id", 512),
            text=check.string(check.get(record, "text", "text"), "text", MAX_TEXT_CHARS),
            created_at=parse_time(check.get(record, "created_at", "created_at"), "created_at"),
            url=check.optional_string(record.get("url", check.MISSING), "url", 4096),
            author_handle=check.optional_string(record.get("author_handle", check.MISSING), "author_handle", 512),
            followers=check.count(record.get("followers", 0), "followers"),
            reach=check.count(record.get("reach", 0), "reach"),
            lang=check.optional_string(record.get("lang", check.MISSING), "lang", 16),
            sentiment=None if sentiment is None else Sentiment.from_dict(sentiment),
            ingested_at=None if ingested_at is None else parse_time(ingested_at, "ingested_at"),
            kind=check.choice(record.get("kind", "post"), "kind", KINDS),
            hashtags=check.string_list(record.get("hashtags", check.MISSING), "hashtags", 256, 256),
            matched=check.string_list(record.get("matched", check.MISSING), "matched", 256, 512),
            official=check.boolean(record.get("official", check.MISSING), "official"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form, as the schema file describes it."""
        return {
            "schema_version": SCHEMA_VERSION,
            "post_id": self.post_id,
            "subject_id": self.subject_id,
            "platform": self.platform,
            "url": self.url,
            "author_id": self.author_id,
            "author_handle": self.author_handle,
            "followers": self.followers,
            "reach": self.reach,
            "text": self.text,
            "lang": self.lang,
            "sentiment": None if self.sentiment is None else {"label": self.sentiment.label,
                                                               "score": self.sentiment.score},
            "created_at": format_time(self.created_at),
            "ingested_at": None if self.ingested_at is None else format_time(self.ingested_at),
            "kind": self.kind,
            "hashtags": list(self.hashtags),
            "matched": list(self.matched),
            "official": self.official,
        }

    def to_json(self) -> bytes:
        """Serialize with orjson."""
        return orjson.dumps(self.to_dict())


_build_mention = positional_builder(Mention)
_build_sentiment = positional_builder(Sentiment)


def _optional(value: Any, max_length: int) -> bool:
    return value is None or (type(value) is str and len(value) <= max_length)


def _plainly_valid(record: Any) -> Mention | None:
    """The Mention of a record that passes every check of :meth:`Mention._checked`, built with only cheap tests.

    None means "not sure": the caller then runs the full checks, which build the same Mention or name the problem.
    Every test here is at least as strict as its counterpart, so both paths accept and build exactly the same.
    """
    if type(record) is not dict:
        return None
    get = record.get
    version, post_id, subject_id, platform = get("schema_version"), get("post_id"), get("subject_id"), get("platform")
    author_id, text, kind = get("author_id"), get("text"), get("kind", "post")
    if not (type(version) is int and version == SCHEMA_VERSION
            and type(post_id) is str and len(post_id) <= 512 and type(subject_id) is str and len(subject_id) <= 128
            and type(platform) is str and len(platform) <= 32 and type(author_id) is str and len(author_id) <= 512
            and type(text) is str and len(text) <= MAX_TEXT_CHARS and type(kind) is str and kind in KINDS):
        return None
    url, handle, lang = get("url"), get("author_handle"), get("lang")
    followers, reach, official = get("followers", 0), get("reach", 0), get("official", False)
    if not (_optional(url, 4096) and _optional(handle, 512) and _optional(lang, 16)
            and type(followers) is int and followers >= 0 and type(reach) is int and reach >= 0
            and type(official) is bool):
        return None
    raw_sentiment = get("sentiment")
    if raw_sentiment is None:
        sentiment = None
    else:
        if type(raw_sentiment) is not dict:
            return None
        label, score = raw_sentiment.get("label"), raw_sentiment.get("score")
        if not (type(label) is str and label in SENTIMENT_LABELS and type(score) is float and -1.0 <= score <= 1.0):
            return None
        sentiment = _build_sentiment(label, score)
    hashtags = check.plain_strings(get("hashtags"), 256, 256)
    matched = check.plain_strings(get("matched"), 256, 512)
    if hashtags is None or matched is None:
        return None
    ingested_at = get("ingested_at")
    try:
        created = parse_time(get("created_at"), "created_at")
        ingested = None if ingested_at is None else parse_time(ingested_at, "ingested_at")
    except SchemaError:
        return None
    # positional, in field order (the record tests compare this path with the full checks)
    return _build_mention(post_id, subject_id, platform, author_id, text, created, url, handle, followers, reach,
                          lang, sentiment, ingested, kind, hashtags, matched, official)
