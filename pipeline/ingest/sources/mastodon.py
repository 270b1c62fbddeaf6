"""Mastodon streaming API (server-sent events), with REST back-fill from the last status id after a reconnect.

On every (re)connection the source first opens the stream, then fetches the statuses newer than the last one
it handled (``min_id`` paging on the matching timeline), then reads the stream: nothing between the drop and the
new connection is lost, and what arrives twice is dropped by the publisher's id dedupe. The access token comes
from the environment or a file and is only ever sent as a header.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from pipeline import metrics
from pipeline.ingest.sources.base import Backoff, RawItem, Source
from pipeline.ingest.sources.http import LineReader, fetch, open_stream

__all__ = ["MastodonSource"]

logger = logging.getLogger(__name__)

_STREAMS = {"public": ("streaming/public", "timelines/public"),
            "public:local": ("streaming/public/local", "timelines/public?local=true"),
            "hashtag": ("streaming/hashtag", "timelines/tag/{tag}"),
            "user": ("streaming/user", "timelines/home")}


def _id_key(status_id: str) -> tuple[int, str]:
    """Mastodon ids are decimal strings that sort by length, then digits."""
    return len(status_id), status_id


class MastodonSource(Source):
    """Yield statuses (format ``mastodon``) from one instance's stream while running.

    Parameters: ``instance`` base URL, ``stream`` (public, public:local, hashtag, user), ``tag`` for hashtag
    streams, ``token`` (bytes, optional for public streams), ``state_path`` for the last status id,
    ``backfill_pages`` limit per reconnect, ``idle_timeout`` seconds without even a heartbeat before reconnecting.
    """

    name = "mastodon"

    def __init__(
        self,
        instance: str,
        *,
        stream: str = "public",
        tag: str | None = None,
        token: bytes | None = None,
        state_path: Path | str | None = None,
        backfill_pages: int = 10,
        idle_timeout: float = 90.0,
        backoff: Backoff | None = None,
        poll_timeout: float = 0.5,
    ) -> None:
        super().__init__(state_path)
        if stream not in _STREAMS:
            raise ValueError(f"stream must be one of {', '.join(_STREAMS)}")
        if stream == "hashtag" and not tag:
            raise ValueError("a hashtag stream needs a tag")
        self.instance = instance.rstrip("/")
        self.stream = stream
        self.tag = tag
        self.backfill_pages = backfill_pages
        self.idle_timeout = idle_timeout
        self.backoff = backoff or Backoff()
        self.poll_timeout = poll_timeout
        self.connections = 0
        self._token = token
        self._reader: LineReader | None = None

    def __repr__(self) -> str:
        return f"MastodonSource(instance={self.instance!r}, stream={self.stream!r}, tag={self.tag!r})"

    @property
    def last_id(self) -> str | None:
        """The newest status id handled so far."""
        value = self.state.get("last_id")
        return value if isinstance(value, str) else None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.decode()}"} if self._token else {}

    def _urls(self) -> tuple[str, str]:
        stream_path, timeline_path = _STREAMS[self.stream]
        stream_url = f"{self.instance}/api/v1/{stream_path}"
        if self.stream == "hashtag":
            stream_url += "?" + urlencode({"tag": self.tag})
        return stream_url, f"{self.instance}/api/v1/" + timeline_path.format(tag=quote(self.tag or "", safe=""))

    def run(self) -> Iterator[RawItem]:
        """Open the stream, back-fill since the last id, then read events; reconnect with backoff."""
        stream_url, timeline_url = self._urls()
        while self.running:
            try:
                self._reader = LineReader(open_stream(stream_url, self._headers(), timeout=self.idle_timeout))
                self.connections += 1
                logger.info("connected to %s streaming (%s)", self.instance, self.stream)
                yield from self._backfill(timeline_url)
                yield from self._events()
            except (OSError, EOFError, ValueError) as error:
                if not self.running:
                    break
                metrics.INGEST_RECONNECTS.labels(self.name).inc()
                delay = self.backoff.next_delay()
                logger.warning("Mastodon stream lost (%s); reconnecting in %.1fs", type(error).__name__, delay)
                self.sleep(delay)
            finally:
                if self._reader is not None:
                    self._reader.close()
                    self._reader = None

    def _backfill(self, timeline_url: str) -> Iterator[RawItem]:
        cursor = self.last_id
        if cursor is None:
            return
        separator = "&" if "?" in timeline_url else "?"
        for _ in range(self.backfill_pages):
            result = fetch(f"{timeline_url}{separator}{urlencode({'min_id': cursor, 'limit': 40})}", self._headers())
            if result.status != 200:
                logger.warning("Mastodon back-fill got HTTP %d; continuing with the stream only", result.status)
                return
            statuses = orjson.loads(result.body)
            if not isinstance(statuses, list) or not statuses:
                return
            statuses = [status for status in statuses if isinstance(status, dict) and isinstance(status.get("id"), str)]
            statuses.sort(key=lambda status: _id_key(status["id"]))
            for status in statuses:
                yield RawItem(status, "mastodon", {"source": "backfill", "id": status["id"]}, position=status["id"])
            cursor = statuses[-1]["id"] if statuses else cursor
            if len(statuses) < 40:
                return

    def _events(self) -> Iterator[RawItem]:
        event: str | None = None
        data: list[bytes] = []
        assert self._reader is not None
        while self.running:
            line = self._reader.next_line(self.poll_timeout)
            if line is None:
                continue
            self.backoff.reset()
            line = line.rstrip(b"\r\n")
            if not line:
                if event is not None and data:
                    yield self._item(event, b"\n".join(data))
                event, data = None, []
            elif line.startswith(b":"):
                continue
            elif line.startswith(b"event:"):
                event = line[6:].strip().decode("utf-8", "replace")
            elif line.startswith(b"data:"):
                data.append(line[5:].lstrip(b" "))

    def _item(self, event: str, data: bytes) -> RawItem:
        if event in ("update", "status.update"):
            try:
                status = orjson.loads(data)
            except orjson.JSONDecodeError:
                return RawItem(data, "mastodon", {"source": "stream", "event": event})
            status_id = status.get("id") if isinstance(status, dict) else None
            position = status_id if isinstance(status_id, str) and event == "update" else None
            return RawItem(status, "mastodon", {"source": "stream", "event": event}, position=position)
        return RawItem({"event": event, "payload": data.decode("utf-8", "replace")}, "mastodon",
                       {"source": "stream", "event": event})

    def commit(self, position: Any) -> None:
        """Remember the newest handled status id."""
        if isinstance(position, str) and (self.last_id is None or _id_key(position) > _id_key(self.last_id)):
            self.state["last_id"] = position
            self.mark_dirty()

    def cleanup(self, failed: bool) -> None:
        """Close the stream."""
        if self._reader is not None:
            self._reader.close()
