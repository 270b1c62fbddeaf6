"""Small blocking HTTP helpers for the polling and streaming sources (standard library only)."""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any

__all__ = ["USER_AGENT", "HttpResult", "LineReader", "fetch", "open_stream"]

logger = logging.getLogger(__name__)

USER_AGENT = "siaga-ingest/0.1 (+https://github.com/siaga)"
_EOF = object()


@dataclass(frozen=True, slots=True)
class HttpResult:
    """Status, headers and (bounded) body of one response."""

    status: int
    headers: Message
    body: bytes


def _request(url: str, headers: Mapping[str, str]) -> urllib.request.Request:
    return urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})


def fetch(url: str, headers: Mapping[str, str] | None = None, timeout: float = 30.0,
          max_bytes: int = 16 * 1024 * 1024) -> HttpResult:
    """GET ``url``; HTTP errors (4xx, 5xx, 304) are returned as results, network errors raise ``OSError``."""
    try:
        with urllib.request.urlopen(_request(url, headers or {}), timeout=timeout) as response:
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise OSError(f"response from {url} is over {max_bytes} bytes")
            return HttpResult(response.status, response.headers, body)
    except urllib.error.HTTPError as error:
        body = error.read(64 * 1024) if error.fp is not None else b""
        return HttpResult(error.code, error.headers, body)


def open_stream(url: str, headers: Mapping[str, str] | None = None, timeout: float = 90.0) -> Any:
    """Open a long-lived GET (server-sent events); raises ``OSError`` (including HTTP errors) on failure."""
    return urllib.request.urlopen(_request(url, {"Accept": "text/event-stream", **(headers or {})}), timeout=timeout)


class LineReader:
    """Read lines of a blocking response on a thread so the caller can poll with a timeout and stop at will."""

    def __init__(self, response: Any, max_line_bytes: int = 1_048_576) -> None:
        self.response = response
        self.max_line_bytes = max_line_bytes
        self._lines: queue.Queue[Any] = queue.Queue(maxsize=1024)
        self._thread = threading.Thread(target=self._read, name="siaga-line-reader", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while True:
                line = self.response.readline(self.max_line_bytes + 1)
                if not line:
                    self._lines.put(_EOF)
                    return
                self._lines.put(line)
        except BaseException as error:  # handed to the consumer, which decides
            self._lines.put(error)

    def next_line(self, timeout: float) -> bytes | None:
        """The next line, None when none arrived within ``timeout``; raises ``EOFError`` or the read error."""
        try:
            value = self._lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if value is _EOF:
            raise EOFError("the server closed the stream")
        if isinstance(value, BaseException):
            raise value
        return value

    def close(self) -> None:
        """Close the response (the reader thread ends with it)."""
        raw = getattr(getattr(self.response, "fp", None), "raw", None)
        sock = getattr(raw, "_sock", None)
        with contextlib.suppress(OSError):
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.response.close()
