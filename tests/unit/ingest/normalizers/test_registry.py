"""The normalizer registry: names, dispatch, and the all-or-nothing vs per-item contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.normalizers import ITEM_NORMALIZERS, NORMALIZERS, normalize, normalize_each
from schemas.errors import SchemaError
from schemas.post import PLATFORMS, Post

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = {
    "x": "x/stream_single.json", "mastodon": "mastodon/stream_update.json", "bluesky": "bluesky/repost.json",
    "reddit": "reddit/crosspost.json", "youtube": "youtube/comment_threads.json",
    "facebook": "facebook/feed_changes.json", "instagram": "instagram/comments.json",
    "tiktok": "tiktok/videos.json", "rss": "rss/news.xml", "atom": "rss/atom.xml",
    "csv_export": "export/brandwatch.csv", "json_export": "export/talkwalker.json",
}


def test_every_format_has_both_shapes_and_a_sample():
    assert set(NORMALIZERS) == set(ITEM_NORMALIZERS) == set(SAMPLES)


@pytest.mark.parametrize("format_name", sorted(SAMPLES))
def test_each_format_normalizes_its_documented_sample(format_name):
    results = normalize_each(format_name, (FIXTURES / SAMPLES[format_name]).read_bytes())
    posts = [result for result in results if isinstance(result, Post)]
    assert posts, results
    for post in posts:
        assert post.platform in PLATFORMS and post.id.startswith(f"{post.platform}:")
        assert Post.from_json(post.to_json()) == post
        assert post.ingested_at is None


def test_unknown_format_is_unsupported():
    for call in (normalize, normalize_each):
        with pytest.raises(SchemaError) as caught:
            call("myspace", b"{}")
        assert caught.value.reason == "unsupported_format"


def test_the_input_is_not_mutated():
    import orjson

    payload = orjson.loads((FIXTURES / "x/search_recent.json").read_bytes())
    before = orjson.dumps(payload)
    normalize("x", payload)
    assert orjson.dumps(payload) == before
