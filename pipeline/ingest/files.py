"""Read JSONL files (plain or gzip) line by line, safely: a huge line is cut at a limit, never held whole."""

from __future__ import annotations

import gzip
import io
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from schemas.post import MAX_RECORD_BYTES

__all__ = ["Line", "open_maybe_gzip", "read_lines"]

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024


class Line(NamedTuple):
    """One line of a file: its number (from 1), its bytes (up to the limit) and its full size.

    A named tuple, not a dataclass: one is built per line read, and a tuple is the cheapest to build.
    """

    number: int
    data: bytes
    size: int

    @property
    def oversized(self) -> bool:
        """True when the line was longer than the limit and ``data`` holds only its start."""
        return self.size > len(self.data)


_new_line = tuple.__new__  # Line(number, data, size) without the Python-level __new__ of a named tuple


def open_maybe_gzip(path: Path) -> BinaryIO:
    """Open ``path`` for reading, decompressing it when it starts with the gzip magic bytes."""
    raw = path.open("rb")
    magic = raw.peek(2)[:2] if isinstance(raw, io.BufferedReader) else b""
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def read_lines(stream: BinaryIO, max_bytes: int = MAX_RECORD_BYTES, follow: bool = False,
               poll_seconds: float = 0.5, stop: object = None) -> Iterator[Line]:
    """Yield the non-blank lines of ``stream``; with ``follow``, keep waiting for more (like ``tail -f``).

    >>> lines = list(read_lines(io.BytesIO(b'{"a": 1}\\n\\n' + b"x" * 10 + b"\\nend"), max_bytes=4))
    >>> [(line.number, line.data, line.size, line.oversized) for line in lines]
    [(1, b'{"a"', 8, True), (3, b'xxxx', 10, True), (4, b'end', 3, False)]
    """
    number = 0
    kept = bytearray()
    size = 0
    readline = stream.readline
    while True:
        chunk = readline(_CHUNK)
        if not size and chunk[-1:] == b"\n" and len(chunk) <= max_bytes:  # a whole line in one chunk: most lines
            number += 1
            data = chunk.rstrip(b"\r\n")
            if data and not data.isspace():
                yield _new_line(Line, (number, data, len(data)))
            continue
        if not chunk:
            if follow and not (stop is not None and getattr(stop, "is_set", lambda: False)()):
                time.sleep(poll_seconds)
                continue
            if size:
                number += 1
                yield from _finished(number, kept, size, max_bytes)
            return
        if len(kept) < max_bytes:
            kept += chunk[: max_bytes - len(kept)]
        size += len(chunk)
        if chunk.endswith(b"\n"):
            number += 1
            ending = len(chunk) - len(chunk.rstrip(b"\r\n"))
            yield from _finished(number, kept, size - ending, max_bytes)
            kept.clear()
            size = 0


def _finished(number: int, kept: bytearray, size: int, max_bytes: int) -> Iterator[Line]:
    """The line just read, without its line ending; ``size`` excludes the ending already.

    A line longer than ``max_bytes`` is yielded (to be rejected as too large) even when its kept start is blank.
    """
    data = bytes(kept[:size])
    if data.strip() or size > len(data):
        yield Line(number, data, size)
