"""The source adapter contract (after quix-streams' ``Source``) and the loop that feeds a publisher.

A :class:`Source` is configured by its constructor; :meth:`Source.run` yields :class:`RawItem` payloads while
``self.running``; :meth:`Source.stop` clears the flag. :func:`pump` normalizes each item, publishes its posts and
dead-letters its rejections through a sink (a :class:`~pipeline.ingest.publisher.PostPublisher`, or a list sink in
tests), then commits the item's resume position to the source's :class:`StateFile`.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson

from pipeline.ingest.normalizers import NORMALIZERS, Result, normalize_each
from pipeline.ingest.publisher import IngestSummary
from schemas.errors import SchemaError
from schemas.post import MAX_RECORD_BYTES, Post

__all__ = [
    "Backoff",
    "PostSink",
    "RawItem",
    "Source",
    "StateFile",
    "handle_item",
    "known_format",
    "normalize_payload",
    "pump",
    "read_secret",
]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class RawItem:
    """One payload as a source read it, in a named format, with where it came from.

    ``position`` is the resume point to persist once the item is handled; ``reply`` (webhooks) receives the
    outcome so the HTTP answer can say what was accepted. An item with ``parts`` (one webhook request of many
    payloads) is handled part by part, and its outcome numbers each rejection with the ``index`` of its part.
    """

    payload: Any
    format: str
    origin: dict[str, Any] = field(default_factory=dict)
    position: Any = None
    reply: concurrent.futures.Future[dict[str, Any]] | None = None
    parts: list[RawItem] | None = None


class PostSink(Protocol):
    """What :func:`pump` hands results to (``PostPublisher`` satisfies it)."""

    summary: IngestSummary

    def received(self, count: int = 1) -> None: ...

    def publish(self, post: Post, now: float | None = None) -> bool: ...

    def reject(self, original: bytes, error: SchemaError, origin: dict[str, Any], now: float | None = None) -> None: ...


def read_secret(name: str) -> bytes | None:
    """The secret in ``$name``, or in the file named by ``$name_FILE``; never logged."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_bytes().strip() or None
    value = os.environ.get(name)
    return value.encode() if value else None


class StateFile:
    """A small JSON document of resume positions, replaced atomically (write, fsync, rename)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, Any]:
        """The saved state, or an empty dict when there is none (or it is unreadable)."""
        try:
            value = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, orjson.JSONDecodeError) as error:
            logger.warning("ignoring unreadable state file %s: %s", self.path, error)
            return {}
        return value if isinstance(value, dict) else {}

    def save(self, state: dict[str, Any]) -> None:
        """Write ``state`` so a crash leaves either the old or the new file, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=self.path.name, dir=self.path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(orjson.dumps(state))
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class Backoff:
    """Exponential reconnect delays with full jitter, reset after a success.

    >>> backoff = Backoff(initial=1.0, maximum=8.0, jitter=False)
    >>> [backoff.next_delay() for _ in range(5)]
    [1.0, 2.0, 4.0, 8.0, 8.0]
    """

    def __init__(self, initial: float = 1.0, maximum: float = 60.0, jitter: bool = True) -> None:
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
        self._attempt = 0

    def next_delay(self) -> float:
        """The delay before the next attempt."""
        delay = min(self.maximum, self.initial * 2**self._attempt)
        self._attempt = min(self._attempt + 1, 32)
        if self.jitter:
            delay = random.uniform(delay / 2, delay)
        return delay

    def reset(self) -> None:
        """Start again from ``initial`` (after a connection that worked)."""
        self._attempt = 0


class Source:
    """Base of every adapter: subclass and implement :meth:`run`.

    ``name`` is the metrics label (one of ``pipeline.metrics.SOURCES``). ``state_path`` (optional) persists the
    resume state across restarts; subclasses read ``self.state`` at start and update it through :meth:`commit`.
    """

    name = "source"

    def __init__(self, state_path: Path | str | None = None, commit_interval: float = 1.0) -> None:
        self.state_path = state_path
        self.commit_interval = commit_interval
        self.running = False
        self._stopped = threading.Event()
        self._store = StateFile(state_path) if state_path else None
        self.state: dict[str, Any] = self._store.load() if self._store else {}
        self._dirty = False
        self._saved_at = 0.0

    def run(self) -> Iterator[RawItem]:
        """Yield raw payloads while ``self.running``."""
        raise NotImplementedError

    def start(self) -> None:
        """Mark the source running (``pump`` calls this before iterating :meth:`run`)."""
        self._stopped.clear()
        self.running = True

    def stop(self) -> None:
        """Ask :meth:`run` to return at its next check; safe from any thread or a signal handler."""
        self.running = False
        self._stopped.set()

    def sleep(self, seconds: float) -> bool:
        """Wait up to ``seconds`` unless stopped first; True while still running."""
        self._stopped.wait(max(0.0, seconds))
        return self.running

    def commit(self, position: Any) -> None:
        """Record that everything up to ``position`` is handled (subclasses map it into ``self.state``)."""

    def mark_dirty(self) -> None:
        """Note that ``self.state`` changed and must be saved."""
        self._dirty = True

    def persist(self, sink: Any = None, force: bool = False) -> None:
        """Save the state (after flushing ``sink`` so every earlier post is acknowledged) at most every interval."""
        if self._store is None or not self._dirty:
            return
        now = time.monotonic()
        if not force and now - self._saved_at < self.commit_interval:
            return
        flush = getattr(sink, "flush", None)
        if flush is not None:
            flush()
        self._store.save(self.state)
        self._dirty = False
        self._saved_at = now

    def cleanup(self, failed: bool) -> None:
        """Release what :meth:`run` opened (called once when pumping ends)."""


def normalize_payload(format_name: str, payload: Any) -> list[Result]:
    """Per-item results for a platform format, or for ``post`` (Siaga's own JSON: one object or an array)."""
    if format_name != "post":
        return normalize_each(format_name, payload)
    if isinstance(payload, bytes | str):
        if len(payload) > MAX_RECORD_BYTES * 64:
            raise SchemaError("", f"payload is {len(payload)} bytes, over the limit", "too_large")
        try:
            payload = orjson.loads(payload)
        except orjson.JSONDecodeError as error:
            raise SchemaError("", f"malformed JSON: {error}", "invalid_json") from None
    records = payload if isinstance(payload, list) else [payload]
    results: list[Result] = []
    for index, record in enumerate(records):
        try:
            results.append(Post.from_dict(record))
        except SchemaError as error:
            field_path = f"[{index}].{error.field}" if isinstance(payload, list) else error.field
            results.append(SchemaError(field_path.rstrip("."), error.problem, error.reason))
    return results


def known_format(format_name: str) -> bool:
    """True for ``post`` and every registered normalizer."""
    return format_name == "post" or format_name in NORMALIZERS


def _raw_bytes(payload: Any) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogatepass")
    try:
        return orjson.dumps(payload)
    except TypeError:
        return repr(payload).encode()


def _error(error: SchemaError) -> dict[str, str]:
    return {"reason": error.reason, "field": error.field, "message": str(error)}


def handle_item(item: RawItem, sink: PostSink) -> dict[str, Any]:
    """Normalize one item; publish its posts and dead-letter its rejections. Returns what happened."""
    if item.parts is not None:
        return _handle_parts(item.parts, sink)
    sink.received()
    try:
        results = normalize_payload(item.format, item.payload)
    except SchemaError as error:
        sink.reject(_raw_bytes(item.payload), error, item.origin)
        return {"accepted": 0, "duplicates": 0, "rejected": [_error(error)], "payload_error": True}
    accepted = duplicates = 0
    rejected: list[dict[str, str]] = []
    original: bytes | None = None
    for result in results:
        if isinstance(result, SchemaError):
            original = original if original is not None else _raw_bytes(item.payload)
            sink.reject(original, result, {**item.origin, "item": result.field})
            rejected.append(_error(result))
        elif sink.publish(result):
            accepted += 1
        else:
            duplicates += 1
    return {"accepted": accepted, "duplicates": duplicates, "rejected": rejected, "payload_error": False}


def _handle_parts(parts: list[RawItem], sink: PostSink) -> dict[str, Any]:
    """Handle each part; the outcome is a payload error only when every part was one."""
    accepted = duplicates = 0
    rejected: list[dict[str, Any]] = []
    payload_error = bool(parts)
    for index, part in enumerate(parts):
        outcome = handle_item(part, sink)
        accepted += outcome["accepted"]
        duplicates += outcome["duplicates"]
        rejected.extend({"index": index, **error} for error in outcome["rejected"])
        payload_error = payload_error and outcome["payload_error"]
    return {"accepted": accepted, "duplicates": duplicates, "rejected": rejected, "payload_error": payload_error}


def pump(source: Source, sink: PostSink) -> IngestSummary:
    """Run ``source`` into ``sink`` until it stops; commit resume positions as items are handled."""
    source.start()
    failed = False
    try:
        for item in source.run():
            try:
                outcome = handle_item(item, sink)
            except BaseException as error:
                if item.reply is not None and not item.reply.done():
                    item.reply.set_exception(error)
                raise
            if item.position is not None:
                source.commit(item.position)
                source.persist(sink)
            if item.reply is not None and not item.reply.done():
                item.reply.set_result(outcome)
    except BaseException:
        failed = True
        raise
    finally:
        source.running = False
        try:
            source.persist(sink, force=True)
        finally:
            source.cleanup(failed)
    return sink.summary
