"""Live source adapters against local servers that speak each protocol, publishing into a real Kafka.

Each server runs on 127.0.0.1 in a background thread. The streaming tests drop the connection mid-stream and
check that the source resumes with nothing lost and nothing duplicated in the posts topic.
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from kafka import KafkaConsumer
from kafka.admin import NewTopic

from pipeline.config import KafkaSettings, Settings, TopicNames
from pipeline.ingest.publisher import PostPublisher
from pipeline.ingest.sources.base import Backoff, Source, pump
from pipeline.ingest.sources.bluesky import BlueskySource
from pipeline.ingest.sources.mastodon import MastodonSource
from pipeline.ingest.sources.reddit import RedditSource
from pipeline.ingest.sources.rss import RssSource
from pipeline.ingest.sources.webhook import WebhookSource, sign

FIXTURES = Path(__file__).parents[1] / "unit" / "ingest" / "normalizers" / "fixtures"
FAST = Backoff(initial=0.05, maximum=0.2, jitter=False)


class LocalServer:
    """Serve an aiohttp app on 127.0.0.1 from a thread with its own event loop."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(self.app, shutdown_timeout=0.5)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    def __enter__(self) -> LocalServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def settings(kafka_bootstrap: str, kafka_admin: Any, unique_topic_prefix: str) -> Settings:
    topics = TopicNames(posts=f"{unique_topic_prefix}.posts", posts_dlq=f"{unique_topic_prefix}.posts.dlq")
    kafka_admin.create_topics([NewTopic(topics.posts, 1, 1), NewTopic(topics.posts_dlq, 1, 1)])
    return Settings(kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap), topics=topics)


def consume(settings: Settings, topic: str, expected: int, timeout: float = 30.0) -> list[Any]:
    """Every record of ``topic`` (waiting for at least ``expected``, then a short grace for extras)."""
    consumer = KafkaConsumer(topic, auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=1000, **settings.kafka.kafka_python())
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=500)
            for partition_records in batch.values():
                records.extend(partition_records)
            if len(records) >= expected and not batch:
                break
    finally:
        consumer.close()
    return records


class Pumping:
    """Run ``pump(source, publisher)`` on a thread; stop and join on exit."""

    def __init__(self, source: Source, settings: Settings) -> None:
        self.source = source
        self.publisher = PostPublisher(settings, source.name)
        self.thread = threading.Thread(target=pump, args=(source, self.publisher), daemon=True)

    def __enter__(self) -> Pumping:
        self.thread.start()
        return self

    def wait(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out; summary: {self.publisher.summary.render()}"
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self.source.stop()
        self.thread.join(15)
        self.publisher.close()
        assert not self.thread.is_alive()


def post_ids(records: list[Any]) -> list[str]:
    return [json.loads(record.value)["id"] for record in records]


# Webhook ---------------------------------------------------------------------------------------------------------


def test_webhook_publishes_signed_posts_and_dead_letters_the_rest(settings: Settings) -> None:
    secret = b"integration-secret"
    source = WebhookSource("127.0.0.1", 0, secret=secret)
    with Pumping(source, settings) as pumping:
        source._ready.wait(10)
        for name in ("x/search_recent.json", "x/lookup_deleted.json", "x/search_recent.json"):
            body = (FIXTURES / name).read_bytes()
            request = urllib.request.Request(f"http://127.0.0.1:{source.port}/ingest/x", data=body,
                                             headers={"X-Siaga-Signature": sign(secret, body)})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 202
        pumping.wait(lambda: pumping.publisher.summary.published == 5)
    posts = consume(settings, settings.topics.posts, 5)
    assert sorted(post_ids(posts)) == sorted({*(f"x:187700100000000000{n}" for n in range(1, 5)),
                                              "x:1877001000000000010"})
    dead = consume(settings, settings.topics.posts_dlq, 1)
    assert [json.loads(record.value)["reason"] for record in dead] == ["invalid_value"]
    assert pumping.publisher.summary.duplicates == 4


# Bluesky Jetstream -----------------------------------------------------------------------------------------------


def jetstream_events(count: int) -> list[dict[str, Any]]:
    template = json.loads((FIXTURES / "bluesky/post_reply_facets.json").read_bytes())
    events = []
    for index in range(count):
        event = copy.deepcopy(template)
        event["time_us"] = 1767574800000000 + index * 1000
        event["commit"]["rkey"] = f"3lf2rk{index:04d}"
        event["commit"]["record"]["text"] = f"post {index} ꦲ 😡"
        events.append(event)
    return events


def test_bluesky_resumes_from_its_cursor_after_a_dropped_connection(settings: Settings, tmp_path: Path) -> None:
    events = jetstream_events(60)
    cursors: list[str | None] = []

    async def subscribe(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        cursor = request.query.get("cursor")
        cursors.append(cursor)
        pending = [event for event in events if cursor is None or event["time_us"] >= int(cursor)]
        for number, event in enumerate(pending):
            if len(cursors) == 1 and number == 25:
                request.transport.close()  # drop mid-stream, no close frame
                return socket
            await socket.send_str(json.dumps(event))
        await asyncio.sleep(30)
        return socket

    app = web.Application()
    app.router.add_get("/subscribe", subscribe)
    with LocalServer(app) as server:
        source = BlueskySource(f"ws://127.0.0.1:{server.port}/subscribe", state_path=tmp_path / "bluesky.json",
                               backoff=FAST, rewind_seconds=0.005)
        with Pumping(source, settings) as pumping:
            pumping.wait(lambda: pumping.publisher.summary.published == 60)
    assert len(cursors) >= 2 and cursors[0] is None and cursors[1] is not None
    records = consume(settings, settings.topics.posts, 60)
    ids = post_ids(records)
    assert len(ids) == 60 and len(set(ids)) == 60
    assert pumping.publisher.summary.duplicates >= 1
    assert json.loads((tmp_path / "bluesky.json").read_bytes())["cursor"] == events[-1]["time_us"]


# Mastodon streaming ----------------------------------------------------------------------------------------------


def mastodon_statuses(count: int) -> list[dict[str, Any]]:
    template = json.loads((FIXTURES / "mastodon/home_timeline.json").read_bytes())[0]
    return [{**template, "id": str(113741000000001000 + index), "content": f"<p>status {index} 🌧</p>"}
            for index in range(count)]


def test_mastodon_backfills_what_the_drop_missed(settings: Settings, tmp_path: Path) -> None:
    statuses = mastodon_statuses(30)
    connections: list[int] = []
    backfills: list[str] = []

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        connections.append(1)
        await response.write(b":)\n\n")
        if len(connections) == 1:
            for status in statuses[:10]:
                await response.write(b"event: update\ndata: " + json.dumps(status).encode() + b"\n\n")
            await response.write(b"event: delete\ndata: 113741000000000001\n\n")
            await asyncio.sleep(0.2)
            request.transport.close()  # the drop: statuses 10-19 are posted while the client is away
            return response
        await asyncio.sleep(0.3)
        for status in statuses[20:]:
            await response.write(b"event: update\ndata: " + json.dumps(status).encode() + b"\n\n")
        await asyncio.sleep(30)
        return response

    async def timeline(request: web.Request) -> web.Response:
        min_id = request.query["min_id"]
        backfills.append(min_id)
        limit = int(request.query.get("limit", "40"))
        newer = [status for status in statuses[:20] if int(status["id"]) > int(min_id)][:limit]
        return web.json_response(list(reversed(newer)))

    app = web.Application()
    app.router.add_get("/api/v1/streaming/public", stream)
    app.router.add_get("/api/v1/timelines/public", timeline)
    with LocalServer(app) as server:
        source = MastodonSource(server.url, state_path=tmp_path / "mastodon.json", backoff=FAST)
        with Pumping(source, settings) as pumping:
            pumping.wait(lambda: pumping.publisher.summary.published == 30)
    assert backfills and backfills[0] == statuses[9]["id"]
    records = consume(settings, settings.topics.posts, 30)
    ids = post_ids(records)
    assert sorted(ids) == sorted(f"mastodon:{status['id']}" for status in statuses) and len(ids) == 30
    dead = consume(settings, settings.topics.posts_dlq, 1)
    assert [json.loads(record.value)["reason"] for record in dead] == ["invalid_value"]


# Polling: RSS and Reddit -----------------------------------------------------------------------------------------


def test_rss_uses_conditional_gets(settings: Settings, tmp_path: Path) -> None:
    body = (FIXTURES / "rss/news.xml").read_bytes()
    answers: list[int] = []

    async def feed(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            answers.append(304)
            return web.Response(status=304)
        answers.append(200)
        return web.Response(body=body, headers={"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    with LocalServer(app) as server:
        source = RssSource([f"{server.url}/feed.xml"], interval=0.1, state_path=tmp_path / "rss.json")
        with Pumping(source, settings) as pumping:
            pumping.wait(lambda: pumping.publisher.summary.published == 3 and answers.count(304) >= 2)
    assert answers[0] == 200 and set(answers[1:]) == {304}
    assert sorted(post_ids(consume(settings, settings.topics.posts, 3))) == [
        "news:https://kabarkota.example/ar/1", "news:kabarkota-88123", "news:kabarkota-no-date"]
    assert json.loads((tmp_path / "rss.json").read_bytes())[f"{server.url}/feed.xml"]["etag"] == '"v1"'


def test_reddit_waits_for_the_rate_limit_reset(settings: Settings, tmp_path: Path) -> None:
    page = json.loads((FIXTURES / "reddit/comments_page.json").read_bytes())
    submissions = {"kind": "Listing", "data": {"children": page[0]["data"]["children"]}}
    comments = {"kind": "Listing", "data": {"children": page[1]["data"]["children"][:1]}}
    comments["data"]["children"][0]["data"]["replies"] = ""
    times: list[float] = []

    async def listing(request: web.Request) -> web.Response:
        times.append(time.monotonic())
        remaining = "0" if len(times) == 1 else "50"
        headers = {"X-Ratelimit-Remaining": remaining, "X-Ratelimit-Used": "100", "X-Ratelimit-Reset": "1"}
        return web.json_response(submissions if request.match_info["listing"] == "new" else comments, headers=headers)

    app = web.Application()
    app.router.add_get("/r/indonesia/{listing}", listing)
    with LocalServer(app) as server:
        source = RedditSource(["indonesia"], api=server.url, interval=0.1, state_path=tmp_path / "reddit.json")
        with Pumping(source, settings) as pumping:
            pumping.wait(lambda: pumping.publisher.summary.published == 2 and len(times) >= 4)
    assert times[1] - times[0] >= 0.9
    assert sorted(post_ids(consume(settings, settings.topics.posts, 2))) == ["reddit:t1_m7a1", "reddit:t3_1hx2abc"]


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    before = threading.active_count()
    yield
    time.sleep(0.1)
    assert threading.active_count() <= before + 4
