"""The webhook source: signatures, size limits, batches, error bodies, health, and the pump into a list sink."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from list_sink import ListSink  # pytest puts this test's folder on sys.path (rootdir import mode)

from pipeline.ingest.sources.base import pump
from pipeline.ingest.sources.webhook import WebhookSource, sign

SECRET = b"test-secret-not-real"
FIXTURES = Path(__file__).parents[1] / "normalizers" / "fixtures"


@pytest.fixture
def server() -> Iterator[tuple[WebhookSource, ListSink]]:
    source = WebhookSource("127.0.0.1", 0, secret=SECRET, max_bytes=64 * 1024, reply_timeout=5)
    sink = ListSink()
    thread = threading.Thread(target=pump, args=(source, sink), daemon=True)
    thread.start()
    source._ready.wait(10)
    yield source, sink
    source.stop()
    thread.join(10)
    assert not thread.is_alive()


def post(source: WebhookSource, path: str, body: bytes, *, signature: str | None = "auto",
         content_type: str = "application/json") -> tuple[int, dict]:
    headers = {"Content-Type": content_type}
    if signature == "auto":
        headers["X-Siaga-Signature"] = sign(SECRET, body)
    elif signature is not None:
        headers["X-Siaga-Signature"] = signature
    request = urllib.request.Request(f"http://127.0.0.1:{source.port}{path}", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_signed_x_response_is_published(server):
    source, sink = server
    status, body = post(source, "/ingest/x", (FIXTURES / "x/search_recent.json").read_bytes())
    assert status == 202 and body == {"accepted": 4, "duplicates": 0, "rejected": []}
    assert [p.id for p in sink.posts][:1] == ["x:1877001000000000001"]
    status, body = post(source, "/ingest/x", (FIXTURES / "x/search_recent.json").read_bytes())
    assert (status, body["accepted"], body["duplicates"]) == (202, 0, 4)


def test_meta_header_and_partial_rejections_are_reported(server):
    source, sink = server
    payload = (FIXTURES / "facebook/feed_changes.json").read_bytes()
    request = urllib.request.Request(f"http://127.0.0.1:{source.port}/ingest/facebook", data=payload,
                                     headers={"X-Hub-Signature-256": sign(SECRET, payload)})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    assert body["accepted"] == 3
    assert [error["reason"] for error in body["rejected"]] == ["unsupported_format", "invalid_value"]
    assert len(sink.rejected) == 2


@pytest.mark.parametrize("signature", [None, "sha256=00", sign(b"other", b"{}")])
def test_unsigned_or_wrongly_signed_bodies_are_refused(server, signature):
    source, sink = server
    status, body = post(source, "/ingest/x", b"{}", signature=signature)
    assert (status, body["error"]) == (401, "unauthorized")
    assert sink.summary.read == 0


def test_oversized_body_gets_413(server):
    source, _ = server
    status, body = post(source, "/ingest/x", b" " * (64 * 1024 + 1))
    assert (status, body["error"]) == (413, "too_large")


def test_bad_payload_gets_a_json_error_and_goes_to_the_dead_letters(server):
    source, sink = server
    status, body = post(source, "/ingest/mastodon", b'{"id": ')
    assert (status, body["error"]) == (400, "invalid_json") and body["message"]
    assert sink.rejected[0][0] == b'{"id": '


def test_unknown_format_gets_404(server):
    source, _ = server
    status, body = post(source, "/ingest/myspace", b"{}")
    assert (status, body["error"]) == (404, "unsupported_format")


def test_batches_as_json_arrays_and_ndjson(server):
    source, _ = server
    events = [json.loads((FIXTURES / f"bluesky/{name}").read_bytes()) for name in ("post_reply_facets.json",
                                                                                   "repost.json", "delete.json")]
    status, body = post(source, "/ingest/bluesky", json.dumps(events).encode())
    assert (status, body["accepted"]) == (202, 2)
    assert body["rejected"][0]["index"] == 2 and body["rejected"][0]["reason"] == "invalid_value"
    ndjson = b"\n".join(json.dumps(event).encode() for event in events[:1]) + b"\n"
    status, body = post(source, "/ingest/bluesky", ndjson, content_type="application/x-ndjson")
    assert (status, body["duplicates"]) == (202, 1)


def test_rss_body_is_one_payload(server):
    source, _ = server
    status, body = post(source, "/ingest/rss", (FIXTURES / "rss/news.xml").read_bytes(),
                        content_type="application/rss+xml")
    assert (status, body["accepted"]) == (202, 3)


def test_healthz(server):
    source, _ = server
    with urllib.request.urlopen(f"http://127.0.0.1:{source.port}/healthz", timeout=5) as response:
        assert response.status == 200 and json.loads(response.read())["status"] == "ok"


def test_a_secret_is_required_unless_explicitly_waived():
    with pytest.raises(ValueError, match="secret"):
        WebhookSource()
    assert "hunter2" not in repr(WebhookSource(secret=b"hunter2"))


def ndjson_posts(count: int, first: int = 0) -> bytes:
    return b"".join(json.dumps({"schema_version": 1, "id": f"x:{number}", "platform": "x", "author": {"id": "x:u1"},
                                "text": "lemot", "created_at": "2026-01-05T08:00:00Z"}).encode() + b"\n"
                    for number in range(first, first + count))


def test_a_batch_is_one_queue_item_however_many_lines_it_has():
    source = WebhookSource("127.0.0.1", 0, secret=SECRET, queue_size=1, reply_timeout=5)
    sink = ListSink()
    thread = threading.Thread(target=pump, args=(source, sink), daemon=True)
    thread.start()
    source._ready.wait(10)
    try:
        status, body = post(source, "/ingest/post", ndjson_posts(300), content_type="application/x-ndjson")
    finally:
        source.stop()
        thread.join(10)
    assert (status, body["accepted"], body["rejected"]) == (202, 300, [])
    assert len(sink.posts) == 300


def test_a_full_queue_refuses_the_whole_request_with_retry_after():
    source = WebhookSource("127.0.0.1", 0, secret=SECRET, queue_size=1, reply_timeout=0.5)
    source.serve()  # nobody pumps: the first request stays queued
    try:
        status, body = post(source, "/ingest/post", ndjson_posts(10), content_type="application/x-ndjson")
        assert (status, body) == (202, {"queued": 10})
        second = ndjson_posts(10, first=10)
        request = urllib.request.Request(f"http://127.0.0.1:{source.port}/ingest/post", data=second,
                                         headers={"Content-Type": "application/x-ndjson",
                                                  "X-Siaga-Signature": sign(SECRET, second)})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 503 and refused.value.headers["Retry-After"]
        assert json.loads(refused.value.read())["error"] == "busy"
        assert source._queue.qsize() == 1
        assert len(source._queue.get_nowait().parts or []) == 10
    finally:
        source.cleanup(failed=False)
