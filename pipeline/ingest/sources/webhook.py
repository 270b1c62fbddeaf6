"""``siaga ingest webhook``: an HTTP endpoint platforms and tools POST posts to.

``POST /ingest/<format>`` takes one payload of that format (``x``, ``mastodon``, ``facebook``, ``rss``, ``post``,
...), a JSON array of payloads, or NDJSON (one payload per line). The raw body must carry
``X-Siaga-Signature: sha256=<hex>`` (or Meta's ``X-Hub-Signature-256``), the HMAC-SHA256 of the body with the
shared secret, compared in constant time. Bodies over ``max_bytes`` get 413; payloads that cannot be read get 400
with a JSON error body. A request is queued for the publisher whole: when ``queue_size`` requests already wait,
it gets 503 with ``Retry-After`` and nothing of it is kept. The answer (202) comes once its posts were handed to
the publisher, and lists what was rejected; a request still waiting after ``reply_timeout`` gets 202 with
``{"queued": <payloads>}`` (it will be published). ``GET /healthz`` answers 200. ``GET /ingest/<format>``
answers Meta's subscription handshake when a verify token is configured.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import hmac
import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

import orjson
from aiohttp import web

from pipeline.ingest.sources.base import RawItem, Source, known_format

__all__ = ["SIGNATURE_HEADERS", "WebhookSource", "sign"]

logger = logging.getLogger(__name__)

#: Headers that may carry ``sha256=<hex>``, first found wins.
SIGNATURE_HEADERS = ("X-Siaga-Signature", "X-Hub-Signature-256")
_TEXT_FORMATS = frozenset({"rss", "atom", "csv_export"})


def sign(secret: bytes, body: bytes) -> str:
    """The signature header value for ``body``.

    >>> sign(b"s3cret", b"{}")
    'sha256=adbde1ce40c89c14215687d5d762a47df6dfaefcfad61e2e86718ffc8498571b'
    """
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _json_error(status: int, reason: str, message: str, headers: dict[str, str] | None = None,
                **extra: Any) -> web.Response:
    return web.json_response({"error": reason, "message": message, **extra}, status=status, headers=headers,
                             dumps=lambda value: orjson.dumps(value).decode())


class WebhookSource(Source):
    """An aiohttp server on its own thread; :meth:`run` yields what it receives.

    Parameters: ``host``/``port`` to listen on (port 0 picks a free one, see :attr:`port` after start),
    ``secret`` for HMAC verification (required unless ``allow_unsigned``), ``max_bytes`` per body,
    ``queue_size`` requests waiting for the publisher before 503, ``reply_timeout`` seconds to wait for the
    publisher's answer, ``verify_token`` for Meta's subscription handshake.
    """

    name = "webhook"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8090,
        *,
        secret: bytes | None = None,
        allow_unsigned: bool = False,
        max_bytes: int = 1_048_576,
        queue_size: int = 64,
        reply_timeout: float = 30.0,
        verify_token: str | None = None,
    ) -> None:
        super().__init__()
        if not secret and not allow_unsigned:
            raise ValueError("a webhook needs a shared secret (or allow_unsigned=True for local testing)")
        self.host = host
        self.port = port
        self.allow_unsigned = allow_unsigned
        self.max_bytes = max_bytes
        self.queue_size = queue_size
        self.reply_timeout = reply_timeout
        self._secret = secret
        self._verify_token = verify_token
        self._queue: queue.Queue[RawItem] = queue.Queue(maxsize=queue_size)
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._startup_error: BaseException | None = None

    def __repr__(self) -> str:
        return f"WebhookSource(host={self.host!r}, port={self.port}, max_bytes={self.max_bytes})"

    # The adapter contract ------------------------------------------------------------------------------------------

    def run(self) -> Iterator[RawItem]:
        """Serve HTTP on a background thread and yield each received payload while running."""
        self.serve()
        while self.running:
            try:
                yield self._queue.get(timeout=0.2)
            except queue.Empty:
                continue

    def serve(self) -> None:
        """Start the HTTP server thread and wait until it listens (``run`` calls this)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._serve_forever, name="siaga-webhook", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._startup_error is not None:
            raise self._startup_error

    def cleanup(self, failed: bool) -> None:
        """Stop the server and answer whatever still waits in the queue with 503."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item.reply is not None and not item.reply.done():
                item.reply.cancel()
        self._thread = None

    # The server ----------------------------------------------------------------------------------------------------

    def application(self) -> web.Application:
        """The aiohttp application (tests may serve it on their own loop)."""
        app = web.Application(client_max_size=self.max_bytes)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_post("/ingest/{format}", self._ingest)
        app.router.add_get("/ingest/{format}", self._verify)
        return app

    def _serve_forever(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._runner = web.AppRunner(self.application(), access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, self.host, self.port)
            loop.run_until_complete(site.start())
            sockets = site._server.sockets if site._server is not None else []  # type: ignore[union-attr]
            if sockets:
                self.port = sockets[0].getsockname()[1]
            logger.info("webhook listening on http://%s:%d/ingest/<format>", self.host, self.port)
        except BaseException as error:
            self._startup_error = error
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "queued": self._queue.qsize()})

    async def _verify(self, request: web.Request) -> web.Response:
        query = request.query
        if (self._verify_token and query.get("hub.mode") == "subscribe"
                and hmac.compare_digest(query.get("hub.verify_token", ""), self._verify_token)):
            return web.Response(text=query.get("hub.challenge", ""))
        return _json_error(403, "forbidden", "subscription verification failed")

    def _signature_ok(self, request: web.Request, body: bytes) -> bool:
        if self._secret is None:
            return self.allow_unsigned
        given = next((request.headers[name] for name in SIGNATURE_HEADERS if name in request.headers), "")
        return hmac.compare_digest(given.strip().lower().encode(), sign(self._secret, body).encode())

    async def _ingest(self, request: web.Request) -> web.Response:
        format_name = request.match_info["format"]
        if not known_format(format_name):
            return _json_error(404, "unsupported_format", f"unknown format {format_name[:32]!r}")
        if request.content_length is not None and request.content_length > self.max_bytes:
            return _json_error(413, "too_large", f"body is over the {self.max_bytes} byte limit")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _json_error(413, "too_large", f"body is over the {self.max_bytes} byte limit")
        if not self._signature_ok(request, body):
            return _json_error(401, "unauthorized", "missing or wrong signature")
        origin = {"remote": request.remote or "", "path": request.path}
        parts = self._items(format_name, body, request.content_type, origin)
        if isinstance(parts, web.Response):
            return parts
        item = RawItem(None, format_name, origin, reply=concurrent.futures.Future(), parts=parts)
        try:
            self._queue.put_nowait(item)  # the whole request or nothing: a 503 never leaves half of it queued
        except queue.Full:
            return _json_error(503, "busy", "ingest is behind; retry later", headers={"Retry-After": "1"})
        try:
            outcome = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(item.reply)), self.reply_timeout)
        except TimeoutError:
            # still queued, so it will be published: the answer says so rather than invite a retry
            return web.json_response({"queued": len(parts)}, status=202,
                                     dumps=lambda value: orjson.dumps(value).decode())
        except (concurrent.futures.CancelledError, asyncio.CancelledError):
            return _json_error(503, "shutting_down", "ingest stopped before handling this request; retry later",
                               headers={"Retry-After": "5"})
        return self._answer(outcome)

    def _items(self, format_name: str, body: bytes, content_type: str,
               origin: dict[str, Any]) -> list[RawItem] | web.Response:
        if format_name in _TEXT_FORMATS:
            return [RawItem(body, format_name, origin)]
        if content_type in ("application/x-ndjson", "application/jsonl"):
            lines = [line for line in body.split(b"\n") if line.strip()]
            return [RawItem(line, format_name, {**origin, "line": number}) for number, line in enumerate(lines, 1)]
        if body.lstrip()[:1] == b"[" and format_name != "post":
            try:
                batch = orjson.loads(body)
            except orjson.JSONDecodeError as error:
                return _json_error(400, "invalid_json", f"malformed JSON: {error}")
            return [RawItem(element, format_name, {**origin, "index": index}) for index, element in enumerate(batch)]
        return [RawItem(body, format_name, origin)]

    @staticmethod
    def _answer(outcome: dict[str, Any]) -> web.Response:
        body = {key: outcome[key] for key in ("accepted", "duplicates", "rejected")}
        if outcome["rejected"] and outcome["payload_error"]:
            first = outcome["rejected"][0]
            return _json_error(400, first["reason"], first["message"], **body)
        return web.json_response(body, status=202, dumps=lambda value: orjson.dumps(value).decode())
