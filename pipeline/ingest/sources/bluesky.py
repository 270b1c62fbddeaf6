"""Bluesky through Jetstream: a websocket of JSON commit events, resumed by its ``time_us`` cursor.

After a dropped connection the source reconnects with backoff and asks for ``cursor = last handled time_us``
(minus ``rewind_seconds``), so nothing is lost; what is replayed twice is dropped by the publisher's id dedupe.
The cursor is saved in the state file, so a restart resumes too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from pipeline import metrics
from pipeline.ingest.sources.base import Backoff, RawItem, Source

__all__ = ["JETSTREAM_URL", "BlueskySource"]

logger = logging.getLogger(__name__)

#: A public Jetstream instance.
JETSTREAM_URL = "wss://jetstream2.us-east.bsky.network/subscribe"


class BlueskySource(Source):
    """Yield Jetstream events (format ``bluesky``) while running.

    Parameters: ``url`` of the Jetstream ``/subscribe`` endpoint, ``collections`` to ask for, ``dids`` to
    restrict to (empty: everyone), ``state_path`` for the cursor, ``rewind_seconds`` replayed on resume,
    ``max_message_bytes`` per event, ``backoff`` between reconnects.
    """

    name = "bluesky"

    def __init__(
        self,
        url: str = JETSTREAM_URL,
        *,
        collections: Sequence[str] = ("app.bsky.feed.post", "app.bsky.feed.repost"),
        dids: Sequence[str] = (),
        state_path: Path | str | None = None,
        rewind_seconds: float = 1.0,
        max_message_bytes: int = 1_048_576,
        backoff: Backoff | None = None,
        receive_timeout: float = 0.5,
    ) -> None:
        super().__init__(state_path)
        self.url = url
        self.collections = tuple(collections)
        self.dids = tuple(dids)
        self.rewind_seconds = rewind_seconds
        self.max_message_bytes = max_message_bytes
        self.backoff = backoff or Backoff()
        self.receive_timeout = receive_timeout
        self.connections = 0

    @property
    def cursor(self) -> int | None:
        """The ``time_us`` of the last handled event (None before the first)."""
        cursor = self.state.get("cursor")
        return cursor if isinstance(cursor, int) else None

    def subscribe_url(self) -> str:
        """The subscribe URL with collections, DIDs and the resume cursor."""
        query: list[tuple[str, Any]] = [("wantedCollections", name) for name in self.collections]
        query += [("wantedDids", did) for did in self.dids]
        if self.cursor is not None:
            query.append(("cursor", max(0, self.cursor - int(self.rewind_seconds * 1_000_000))))
        return f"{self.url}?{urlencode(query)}" if query else self.url

    def run(self) -> Iterator[RawItem]:
        """Connect, yield every event, and reconnect from the cursor when the connection drops."""
        while self.running:
            url = self.subscribe_url()
            try:
                with connect(url, open_timeout=10, close_timeout=2, max_size=self.max_message_bytes,
                             proxy=None if "://127.0.0.1" in url or "://localhost" in url else True) as socket:
                    self.connections += 1
                    logger.info("connected to Jetstream (cursor %s)", self.cursor)
                    yield from self._events(socket)
            except (OSError, WebSocketException, TimeoutError) as error:
                if not self.running:
                    break
                metrics.INGEST_RECONNECTS.labels(self.name).inc()
                delay = self.backoff.next_delay()
                logger.warning("Jetstream connection lost (%s); reconnecting in %.1fs", type(error).__name__, delay)
                self.sleep(delay)

    def _events(self, socket: Any) -> Iterator[RawItem]:
        while self.running:
            try:
                message = socket.recv(timeout=self.receive_timeout)
            except TimeoutError:
                continue
            self.backoff.reset()
            try:
                event = orjson.loads(message)
            except orjson.JSONDecodeError:
                yield RawItem(message, "bluesky", {"source": "jetstream"})
                continue
            time_us = event.get("time_us") if isinstance(event, dict) else None
            position = time_us if isinstance(time_us, int) and not isinstance(time_us, bool) else None
            yield RawItem(event, "bluesky", {"source": "jetstream", "time_us": position}, position=position)

    def commit(self, position: Any) -> None:
        """Advance the cursor (never backwards)."""
        if self.cursor is None or position > self.cursor:
            self.state["cursor"] = position
            self.mark_dirty()
