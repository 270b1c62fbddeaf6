"""YouTube commentThreads: top-level comments, replies, unavailable comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.normalizers import normalize_each, normalize_youtube
from schemas.errors import SchemaError
from schemas.times import parse_time

FIXTURES = Path(__file__).parent / "fixtures" / "youtube"


def results():
    return normalize_each("youtube", (FIXTURES / "comment_threads.json").read_bytes())


def test_top_level_comment_maps_every_field():
    post = results()[0]
    assert post.id == "youtube:UgzThread1"
    assert post.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzThread1"
    assert post.author.to_dict() == {"id": "youtube:UCsinta", "handle": "sinta_r", "name": "@sinta_r",
                                     "followers": None, "verified": False}
    assert post.text == "Produk ini bikin kulit saya iritasi 😭 #tarikproduk"
    assert post.created_at == parse_time("2026-01-05T01:00:00Z", "t")
    assert (post.kind, post.parent_id) == ("reply", "youtube:dQw4w9WgXcQ")
    assert (post.engagement.likes, post.engagement.replies) == (120, 2)
    assert post.hashtags == ("tarikproduk",)


def test_replies_point_at_the_top_level_comment_and_fall_back_to_text_display():
    arabic, javanese = results()[1:3]
    assert (arabic.parent_id, arabic.text) == ("youtube:UgzThread1", "نفس المشكلة عندي & أكثر")
    assert javanese.mentions == ("sinta_r",) and "ꦱꦩꦶ" in javanese.text


def test_thread_without_its_comment_is_an_error():
    error = results()[3]
    assert isinstance(error, SchemaError)
    assert (error.reason, error.field) == ("missing_field", "items[1].snippet.topLevelComment")
    with pytest.raises(SchemaError):
        normalize_youtube((FIXTURES / "comment_threads.json").read_bytes())


def test_a_foreign_resource_is_unsupported():
    with pytest.raises(SchemaError) as caught:
        normalize_youtube({"kind": "youtube#video", "id": "x"})
    assert caught.value.reason == "unsupported_format"
