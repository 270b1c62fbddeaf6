"""The source contract: pump, resume state, backoff, and the ``post`` format."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from list_sink import ListSink  # pytest puts this test's folder on sys.path (rootdir import mode)

from pipeline.ingest.sources.base import Backoff, RawItem, Source, StateFile, normalize_payload, pump
from pipeline.ingest.sources.bluesky import BlueskySource
from pipeline.ingest.sources.mastodon import MastodonSource
from schemas.errors import SchemaError
from schemas.post import Author, Post

FIXTURES = Path(__file__).parents[1] / "normalizers" / "fixtures"


class ListSource(Source):
    """Yields the given items with increasing positions, then stops itself."""

    name = "file"

    def __init__(self, items: list[RawItem], state_path: Path | None = None) -> None:
        super().__init__(state_path, commit_interval=0.0)
        self.items = items
        self.cleaned: bool | None = None

    def run(self) -> Iterator[RawItem]:
        start = self.state.get("next", 0)
        for index, item in enumerate(self.items[start:], start):
            if not self.running:
                return
            item.position = index + 1
            yield item
        self.stop()

    def commit(self, position: Any) -> None:
        self.state["next"] = position
        self.mark_dirty()

    def cleanup(self, failed: bool) -> None:
        self.cleaned = failed


def test_pump_publishes_rejects_commits_and_resumes(tmp_path: Path):
    x = (FIXTURES / "x/lookup_deleted.json").read_bytes()
    items = [RawItem(x, "x"), RawItem(b"{", "mastodon", {"n": 2}), RawItem(x, "x")]
    sink = ListSink()
    source = ListSource(items, tmp_path / "state.json")
    summary = pump(source, sink)
    assert (summary.read, summary.published, summary.duplicates) == (3, 1, 1)
    assert dict(summary.rejected) == {"invalid_value": 2, "invalid_json": 1}
    assert sink.rejected[1][2] == {"n": 2} and sink.rejected[1][0] == b"{"
    assert source.cleaned is False and sink.flushes >= 1
    assert StateFile(tmp_path / "state.json").load() == {"next": 3}
    again = ListSink()
    pump(ListSource(items, tmp_path / "state.json"), again)
    assert again.summary.read == 0


def test_state_file_survives_garbage(tmp_path: Path):
    path = tmp_path / "state.json"
    path.write_bytes(b"\x00not json")
    assert StateFile(path).load() == {}
    StateFile(path).save({"cursor": 5})
    assert orjson.loads(path.read_bytes()) == {"cursor": 5}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_backoff_grows_and_resets():
    backoff = Backoff(initial=0.5, maximum=4.0, jitter=False)
    assert [backoff.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    backoff.reset()
    assert backoff.next_delay() == 0.5
    jittered = Backoff(initial=1.0, maximum=8.0)
    assert all(0.5 <= jittered.next_delay() <= 8.0 for _ in range(20))


def test_post_format_accepts_one_or_many_normalized_posts():
    post = Post(id="x:1", platform="x", author=Author(id="x:u"), text="hai", created_at=1767574800.0)
    [single] = normalize_payload("post", post.to_json())
    assert single == post
    results = normalize_payload("post", b"[" + post.to_json() + b", {\"id\": 1}]")
    assert results[0] == post and isinstance(results[1], SchemaError) and results[1].field.startswith("[1]")


def test_bluesky_subscribe_url_carries_the_rewound_cursor(tmp_path: Path):
    StateFile(tmp_path / "b.json").save({"cursor": 1767574800000000})
    source = BlueskySource("ws://127.0.0.1:1/subscribe", state_path=tmp_path / "b.json", rewind_seconds=2)
    url = source.subscribe_url()
    assert "wantedCollections=app.bsky.feed.post" in url and "cursor=1767574798000000" in url
    source.commit(1767574700000000)
    assert source.cursor == 1767574800000000


class FakeReader:
    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines

    def next_line(self, timeout: float) -> bytes | None:
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)

    def close(self) -> None:
        pass


def test_mastodon_parses_server_sent_events():
    status = (FIXTURES / "mastodon/stream_update.json").read_bytes()
    payload = orjson.loads(orjson.loads(status)["payload"])
    lines = [b":thump\n", b"event: update\n", b"data: " + orjson.dumps(payload) + b"\n", b"\n",
             b"event: delete\n", b"data: 99\n", b"\n"]
    source = MastodonSource("https://example.social")
    source.start()
    source._reader = FakeReader(lines)  # type: ignore[assignment]
    items = []
    try:
        for item in source._events():
            items.append(item)
    except EOFError:
        pass
    assert [item.position for item in items] == [payload["id"], None]
    assert items[1].payload == {"event": "delete", "payload": "99"}
    assert "token" not in repr(MastodonSource("https://example.social", token=b"sekrit")).lower()
