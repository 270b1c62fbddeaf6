"""Post records for drills: authors with their JSON form cached, and a writer of ``Post.to_json()`` bytes.

The writer builds the same dict as ``Post.to_dict()`` directly (a test checks the bytes round-trip through
``Post.from_json``), which keeps a week of twenty subjects well under a minute to write.
"""

from __future__ import annotations

import random
import re
from typing import Any

import orjson

from schemas.post import Author
from schemas.times import format_time

__all__ = ["PostWriter", "Who", "derived_post"]

_TAG = re.compile(r"#(\w+)")
_HANDLE = re.compile(r"@(\w+)")
_URLS = {"x": "https://x.com/{h}/status/{n}", "instagram": "https://www.instagram.com/p/{n}/",
         "tiktok": "https://www.tiktok.com/@{h}/video/{n}", "facebook": "https://www.facebook.com/{h}/posts/{n}",
         "threads": "https://www.threads.net/@{h}/post/{n}", "youtube": "https://www.youtube.com/post/{n}",
         "reddit": "https://www.reddit.com/comments/{n}/"}
_VIEWED = frozenset({"x", "tiktok", "youtube", "threads"})
_RING = 64


class Who:
    """An author with its JSON form computed once."""

    __slots__ = ("followers", "handle", "id", "json", "platform")

    def __init__(self, author: Author):
        self.id = author.id
        self.handle = author.handle or ""
        self.platform = author.id.split(":", 1)[0]
        self.followers = author.followers or 0
        self.json = author.to_dict()


class Clock:
    """RFC 3339 strings for times within one minute, as ``schemas.times.format_time`` writes them."""

    def __init__(self) -> None:
        self.prefix = ""

    def set_minute(self, t0: float) -> None:
        """Start a new minute at ``t0`` (epoch seconds on a whole minute)."""
        self.prefix = format_time(t0)[:-3]

    def format(self, millis: int) -> str:
        """The time ``millis`` milliseconds into the current minute."""
        seconds, ms = divmod(millis, 1000)
        return f"{self.prefix}{seconds:02d}.{ms:03d}Z" if ms else f"{self.prefix}{seconds:02d}Z"


class PostWriter:
    """Builds post records (the exact bytes of ``Post.to_json()``) and remembers originals to reply to."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.clock = Clock()
        self.sequence = 0
        self.batch: list[tuple[int, int, bytes]] = []
        self.fresh: list[tuple[list[Any], tuple[str, str, str, str | None, str]]] = []

    def post(self, who: Who, text: str, lang: str | None, millis: int, kind: str = "post",
             parent: str | None = None) -> str:
        """Add one post created ``millis`` into the current minute; return its id."""
        self.sequence += 1
        native = str(1_000_000_000_000 + self.sequence)
        platform = who.platform
        post_id = f"{platform}:{native}"
        likes = int(who.followers * 0.004 * self.rng.expovariate(1.0))
        record = {
            "schema_version": 1, "id": post_id, "platform": platform,
            "url": _URLS[platform].format(h=who.handle, n=native), "author": who.json, "text": text, "lang": lang,
            "created_at": self.clock.format(millis), "ingested_at": None, "kind": kind, "parent_id": parent,
            "engagement": {"likes": likes, "reposts": likes // 8, "replies": likes // 12, "quotes": likes // 40,
                           "views": who.followers * 3 + likes * 20 if platform in _VIEWED else None},
            "hashtags": list(dict.fromkeys(_TAG.findall(text))), "mentions": list(dict.fromkeys(_HANDLE.findall(text))),
        }
        self.batch.append((millis, self.sequence, orjson.dumps(record)))
        return post_id

    def remember(self, ring: list[Any], post_id: str, who: Who, text: str, lang: str | None) -> None:
        """Offer a post as a parent from the next minute on."""
        self.fresh.append((ring, (post_id, who.handle, text, lang, who.platform)))

    def flush(self) -> list[bytes]:
        """This minute's post records in time order; its originals become reply targets."""
        for ring, entry in self.fresh:
            ring.append(entry)
            if len(ring) > 2 * _RING:
                del ring[:_RING]
        self.fresh.clear()
        self.batch.sort(key=lambda item: (item[0], item[1]))
        lines = [item[2] for item in self.batch]
        self.batch.clear()
        return lines


def derived_post(
    writer: PostWriter, text: str, lang: str | None, ring: list[Any], who: Who, millis: int,
    shares: tuple[float, float, float], opener: str = "",
) -> str:
    """A post, reply, repost or quote by ``who``: reposts copy a same-platform parent's text. Returns the id."""
    draw = writer.rng.random()
    if ring and draw < shares[0] + shares[1] + shares[2]:
        parent_id, handle, parent_text, parent_lang, parent_platform = ring[int(writer.rng.random() * len(ring))]
        if parent_platform == who.platform:
            if draw < shares[0]:
                return writer.post(who, f"@{handle} {opener}{text}", lang, millis, "reply", parent_id)
            if draw < shares[0] + shares[1]:
                return writer.post(who, parent_text, parent_lang, millis, "repost", parent_id)
            return writer.post(who, text, lang, millis, "quote", parent_id)
    post_id = writer.post(who, text, lang, millis)
    writer.remember(ring, post_id, who, text, lang)
    return post_id
