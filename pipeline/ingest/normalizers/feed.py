"""RSS 2.0 and Atom 1.0 feeds (news sites, blogs, press rooms) to Posts of platform ``news``.

Hostile XML is refused: defusedxml forbids entity declarations and external references (no billion laughs, no
XXE), and a feed over :data:`MAX_FEED_BYTES` is rejected before parsing. The author is the site (the host of
the item link), named after the item's writer or the channel title.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from pipeline.ingest.normalizers._common import (
    Result,
    build_post,
    collect,
    each,
    epoch_time,
    hashtags_in,
    html_to_text,
    iso_time,
    join_path,
    mentions_in,
    type_name,
)
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["MAX_FEED_BYTES", "iter_feed", "normalize_feed"]

logger = logging.getLogger(__name__)

#: Largest feed document parsed.
MAX_FEED_BYTES = 8 * 1024 * 1024
_ATOM = "{http://www.w3.org/2005/Atom}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def normalize_feed(payload: Any) -> list[Post]:
    """Every item of an RSS 2.0 or Atom document (bytes or text); raises SchemaError if any item is invalid."""
    return collect(iter_feed(payload))


def iter_feed(payload: Any) -> Iterator[Result]:
    """One Post or SchemaError per ``<item>`` or ``<entry>``."""
    root = _parse(payload)
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise SchemaError("rss.channel", "is missing", "missing_field")
        context = _Channel(channel.findtext("title"), channel.findtext("link"), channel.findtext("language"),
                           channel.findtext("pubDate") or channel.findtext("lastBuildDate"))
        items = [(join_path("rss.channel.item", index), item) for index, item in enumerate(channel.iter("item"))]
        yield from each(items, lambda item: _rss_item(item, context))
    elif root.tag == f"{_ATOM}feed":
        link = _atom_link(root)
        context = _Channel(root.findtext(f"{_ATOM}title"), link, root.get("{http://www.w3.org/XML/1998/namespace}lang"),
                           root.findtext(f"{_ATOM}updated"))
        entries = [(join_path("feed.entry", index), entry) for index, entry in enumerate(root.iter(f"{_ATOM}entry"))]
        yield from each(entries, lambda entry: _atom_entry(entry, context))
    else:
        raise SchemaError("", f"root element {root.tag[:64]!r} is not RSS 2.0 or Atom", "unsupported_format")


class _Channel:
    __slots__ = ("fallback_time", "language", "link", "title")

    def __init__(self, title: str | None, link: str | None, language: str | None, fallback_time: str | None):
        self.title = (title or "").strip() or None
        self.link = (link or "").strip() or None
        self.language = (language or "").strip()[:16] or None
        self.fallback_time = fallback_time


def _parse(payload: Any) -> Element:
    if isinstance(payload, bytearray | memoryview):
        payload = bytes(payload)
    if not isinstance(payload, bytes | str):
        raise SchemaError("", f"a feed must be XML bytes or text, got {type_name(payload)}", "unsupported_format")
    if len(payload) > MAX_FEED_BYTES:
        raise SchemaError("", f"feed is {len(payload)} bytes, over the {MAX_FEED_BYTES} byte limit", "too_large")
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogatepass")
    try:
        return fromstring(payload, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise SchemaError("", f"unsafe XML refused: {type(error).__name__}", "invalid_value") from None
    except ParseError as error:
        raise SchemaError("", f"malformed XML: {error}", "invalid_value") from None
    except (ValueError, LookupError, UnicodeError) as error:
        raise SchemaError("", f"unreadable XML: {str(error)[:128]}", "invalid_value") from None


def _rfc822_time(value: str, path: str) -> float:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return iso_time(value, path)
    if parsed.tzinfo is None:
        raise SchemaError(path, f"needs a time zone: {value[:64]!r}", "invalid_value")
    try:
        return epoch_time(parsed.timestamp(), path)
    except (OverflowError, OSError, ValueError):
        raise SchemaError(path, f"time {value[:64]!r} is out of range", "invalid_value") from None


def _author(link: str | None, channel: _Channel, writer: str | None) -> dict[str, Any]:
    try:
        host = urlsplit(link or channel.link or "").hostname
    except ValueError:
        host = None
    site = host or channel.title
    if not site:
        raise SchemaError("link", "is missing, and the channel has no link or title to name the site", "missing_field")
    return {"id": f"news:{site[:500]}", "handle": host, "name": (writer or "").strip()[:1024] or channel.title,
            "followers": None}


def _rss_item(item: Element, channel: _Channel) -> Post:
    link = (item.findtext("link") or "").strip() or None
    guid = (item.findtext("guid") or "").strip() or link
    if not guid:
        raise SchemaError("guid", "is missing, and the item has no link to identify it", "missing_field")
    title = html_to_text(item.findtext("title") or "")
    body = html_to_text(item.findtext("description") or item.findtext(_CONTENT) or "")
    text = f"{title}\n\n{body}" if title and body else title or body
    stamp = item.findtext("pubDate") or item.findtext(f"{_DC}date") or channel.fallback_time
    if not stamp:
        raise SchemaError("pubDate", "is missing (and the channel has no date)", "missing_field")
    return build_post(
        "news", guid[:500], _author(link, channel, item.findtext(f"{_DC}creator") or item.findtext("author")), text,
        _rfc822_time(stamp, "pubDate"), url=link, lang=channel.language, hashtags=hashtags_in(text),
        mentions=mentions_in(text),
    )


def _atom_link(element: Element) -> str | None:
    for link in element.findall(f"{_ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def _atom_entry(entry: Element, channel: _Channel) -> Post:
    link = _atom_link(entry)
    native = (entry.findtext(f"{_ATOM}id") or "").strip() or link
    if not native:
        raise SchemaError("id", "is missing, and the entry has no link to identify it", "missing_field")
    title = html_to_text(entry.findtext(f"{_ATOM}title") or "")
    body = html_to_text(entry.findtext(f"{_ATOM}summary") or entry.findtext(f"{_ATOM}content") or "")
    text = f"{title}\n\n{body}" if title and body else title or body
    stamp = entry.findtext(f"{_ATOM}published") or entry.findtext(f"{_ATOM}updated") or channel.fallback_time
    return build_post(
        "news", native[:500], _author(link, channel, entry.findtext(f"{_ATOM}author/{_ATOM}name")), text,
        iso_time((stamp or "").strip() or None, "published"), url=link, lang=channel.language,
        hashtags=hashtags_in(text), mentions=mentions_in(text),
    )
