"""Normalizers: each platform's documented payload to Siaga's one :class:`~schemas.post.Post` shape.

Every normalizer is a pure function ``payload -> list[Post]`` (a payload may hold several items) that accepts raw
bytes or text as well as decoded JSON, and raises only :class:`~schemas.errors.SchemaError` with a reason from
:data:`~schemas.errors.REJECTION_REASONS`. :func:`normalize` is all-or-nothing per payload;
:func:`normalize_each` gives one Post or SchemaError per item so a batch can publish its good items and
dead-letter the rest.

>>> [post.id for post in normalize("mastodon", b'{"id": "1", "created_at": "2026-01-05T01:00:00Z",'
...                                           b' "account": {"id": "9", "acct": "ani"}, "content": "<p>Hi</p>"}')]
['mastodon:1']
>>> normalize("myspace", b"{}")
Traceback (most recent call last):
...
schemas.errors.SchemaError: format: 'myspace' is not one of atom, bluesky, csv_export, ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from pipeline.ingest.normalizers._common import Result
from pipeline.ingest.normalizers.bluesky import iter_bluesky, normalize_bluesky
from pipeline.ingest.normalizers.export import (
    DEFAULT_MAPPING,
    export_normalizer,
    iter_csv_export,
    iter_json_export,
    normalize_csv_export,
    normalize_json_export,
)
from pipeline.ingest.normalizers.feed import iter_feed, normalize_feed
from pipeline.ingest.normalizers.graph import iter_graph, normalize_graph
from pipeline.ingest.normalizers.mastodon import iter_mastodon, normalize_mastodon
from pipeline.ingest.normalizers.reddit import iter_reddit, normalize_reddit
from pipeline.ingest.normalizers.tiktok import iter_tiktok, normalize_tiktok
from pipeline.ingest.normalizers.x import iter_x, normalize_x
from pipeline.ingest.normalizers.youtube import iter_youtube, normalize_youtube
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = [
    "DEFAULT_MAPPING",
    "ITEM_NORMALIZERS",
    "NORMALIZERS",
    "Result",
    "export_normalizer",
    "normalize",
    "normalize_bluesky",
    "normalize_csv_export",
    "normalize_each",
    "normalize_feed",
    "normalize_graph",
    "normalize_json_export",
    "normalize_mastodon",
    "normalize_reddit",
    "normalize_tiktok",
    "normalize_x",
    "normalize_youtube",
]

logger = logging.getLogger(__name__)

#: Format name -> ``payload -> list[Post]`` (all-or-nothing: raises the first item's SchemaError).
NORMALIZERS: dict[str, Callable[[Any], list[Post]]] = {
    "x": normalize_x,
    "mastodon": normalize_mastodon,
    "bluesky": normalize_bluesky,
    "reddit": normalize_reddit,
    "youtube": normalize_youtube,
    "facebook": normalize_graph,
    "instagram": normalize_graph,
    "tiktok": normalize_tiktok,
    "rss": normalize_feed,
    "atom": normalize_feed,
    "csv_export": normalize_csv_export,
    "json_export": normalize_json_export,
}

#: Format name -> ``payload -> iterator of Post | SchemaError`` (one result per item).
ITEM_NORMALIZERS: dict[str, Callable[[Any], Iterator[Result]]] = {
    "x": iter_x,
    "mastodon": iter_mastodon,
    "bluesky": iter_bluesky,
    "reddit": iter_reddit,
    "youtube": iter_youtube,
    "facebook": iter_graph,
    "instagram": iter_graph,
    "tiktok": iter_tiktok,
    "rss": iter_feed,
    "atom": iter_feed,
    "csv_export": iter_csv_export,
    "json_export": iter_json_export,
}


def _unknown(format_name: Any) -> SchemaError:
    shown = format_name[:32] if isinstance(format_name, str) else type(format_name).__name__
    return SchemaError("format", f"{shown!r} is not one of {', '.join(sorted(NORMALIZERS))}", "unsupported_format")


def normalize(format_name: str, payload: Any) -> list[Post]:
    """Every Post in one payload of the named format; raises SchemaError (payload-level or the first bad item)."""
    function = NORMALIZERS.get(format_name) if isinstance(format_name, str) else None
    if function is None:
        raise _unknown(format_name)
    return function(payload)


def normalize_each(format_name: str, payload: Any) -> list[Result]:
    """One Post or SchemaError per item; raises SchemaError only when the payload as a whole is unreadable."""
    function = ITEM_NORMALIZERS.get(format_name) if isinstance(format_name, str) else None
    if function is None:
        raise _unknown(format_name)
    return list(function(payload))
