"""Ingest JSONL files: each line becomes published posts or one dead-letter record with its reason."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, TextIO

import orjson

from pipeline.ingest.files import open_maybe_gzip, read_lines
from pipeline.ingest.publisher import IngestSummary, dead_letter_record
from schemas.errors import SchemaError
from schemas.post import MAX_RECORD_BYTES, Post

__all__ = ["DryRunSink", "PostSink", "ingest_paths", "parser_for"]

logger = logging.getLogger(__name__)

Parser = Callable[[bytes], list[Post]]


class PostSink(Protocol):
    """Where ingested posts and rejections go: :class:`~pipeline.ingest.publisher.PostPublisher` or a dry run."""

    summary: IngestSummary

    def received(self, count: int = 1) -> None: ...

    def publish(self, post: Post, now: float | None = None) -> bool: ...

    def reject(self, original: bytes, error: SchemaError, origin: dict[str, Any], now: float | None = None,
               size: int | None = None) -> None: ...


class DryRunSink:
    """Print normalized posts as JSONL to ``out`` and rejections to ``err``; publish nothing."""

    def __init__(self, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> None:
        self.summary = IngestSummary()
        self.out = out
        self.err = err
        self._seen: set[str] = set()

    def received(self, count: int = 1) -> None:
        self.summary.read += count

    def publish(self, post: Post, now: float | None = None) -> bool:
        if post.id in self._seen:
            self.summary.duplicates += 1
            return False
        self._seen.add(post.id)
        self.summary.published += 1
        self.out.write(post.to_json().decode() + "\n")
        return True

    def reject(self, original: bytes, error: SchemaError, origin: dict[str, Any], now: float | None = None,
               size: int | None = None) -> None:
        self.summary.rejected[error.reason] += 1
        record = dead_letter_record(original, error, "dry-run", origin, now or time.time(), size)
        self.err.write(record.decode() + "\n")


def _parse_post(line: bytes) -> list[Post]:
    return [Post.from_json(line)]


def parser_for(format_name: str) -> Parser:
    """How to turn one line into posts: ``post`` (Siaga's normalized JSON) or a platform payload format."""
    if format_name == "post":
        return _parse_post
    from pipeline.ingest.normalizers import NORMALIZERS  # imported late: most runs ingest normalized posts

    try:
        normalizer = NORMALIZERS[format_name]
    except KeyError:
        known = ", ".join(["post", *sorted(NORMALIZERS)])
        raise ValueError(f"unknown format {format_name!r}; choose one of {known}") from None

    def parse(line: bytes) -> list[Post]:
        try:
            payload = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise SchemaError("", f"malformed JSON: {error}", "invalid_json") from None
        return list(normalizer(payload))

    return parse


def ingest_paths(paths: Iterable[Path], sink: PostSink, *, parse: Parser = _parse_post, follow: bool = False,
                 stop: Any = None, max_bytes: int = MAX_RECORD_BYTES) -> IngestSummary:
    """Read every line of every file into ``sink``; a bad line is rejected, never fatal."""
    for path in paths:
        name = str(path)
        with open_maybe_gzip(Path(path)) as stream:
            try:
                for line in read_lines(stream, max_bytes=max_bytes, follow=follow, stop=stop):
                    sink.received()
                    if line.oversized:
                        error = SchemaError("", f"line is {line.size} bytes, over the {max_bytes} byte limit",
                                            "too_large")
                        sink.reject(line.data, error, {"file": name, "line": line.number}, size=line.size)
                        continue
                    try:
                        posts = parse(line.data)
                    except SchemaError as error:
                        sink.reject(line.data, error, {"file": name, "line": line.number})
                        continue
                    for post in posts:
                        sink.publish(post)
            except (OSError, EOFError) as error:
                logger.error("%s: stopped reading: %s", path, error)
    return sink.summary
