"""Mastodon statuses: HTML content, reblogs, replies and streaming events."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.normalizers import normalize, normalize_mastodon
from schemas.errors import SchemaError
from schemas.times import parse_time

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_status_maps_every_field_and_turns_html_into_text():
    post = normalize_mastodon(load("home_timeline.json"))[0]
    assert post.id == "mastodon:113741000000000001"
    assert post.url == "https://mastodon.social/@ani/113741000000000001"
    assert post.author.to_dict() == {"id": "mastodon:109000000000000001", "handle": "ani", "name": "Ani 🌸",
                                     "followers": 321, "verified": False}
    assert post.text == "Air PDAM mati & keruh lagi 😤 #PDAM @pdam\nSudah 3 hari."
    assert post.lang == "id"
    assert post.created_at == parse_time("2026-01-05T01:00:00Z", "t")
    assert (post.kind, post.parent_id) == ("post", None)
    assert post.engagement.to_dict() == {"likes": 9, "reposts": 5, "replies": 2, "quotes": 0, "views": None}
    assert post.hashtags == ("pdam",)
    assert post.mentions == ("pdam@kota.social",)


def test_reply_with_content_warning_and_missing_optional_fields():
    post = normalize_mastodon(load("home_timeline.json"))[1]
    assert (post.kind, post.parent_id) == ("reply", "mastodon:113741000000000001")
    assert post.text == "keluhan\n同意，水质太差了\n🙏"
    assert post.url == "https://kota.social/users/li/statuses/555"
    assert post.author.followers is None and post.author.name is None
    assert post.author.handle == "li@kota.social"


def test_reblog_is_a_repost_carrying_the_original_text():
    post = normalize_mastodon(load("home_timeline.json"))[2]
    assert (post.kind, post.parent_id) == ("repost", "mastodon:113741000000000001")
    assert post.author.handle == "budi" and post.author.followers == 12
    assert post.text == "Air PDAM mati & keruh lagi 😤 #PDAM"
    assert post.hashtags == ("pdam",) and post.lang == "id"


def test_streaming_update_event_with_a_json_string_payload():
    [post] = normalize("mastodon", load("stream_update.json"))
    assert post.text == "مرحبا بالجميع" and post.lang == "ar" and post.author.followers == 3


def test_streaming_delete_is_rejected_with_a_reason():
    with pytest.raises(SchemaError) as caught:
        normalize_mastodon(load("stream_delete.json"))
    assert caught.value.reason == "invalid_value" and "deleted" in caught.value.problem


def test_other_streaming_events_are_unsupported():
    with pytest.raises(SchemaError) as caught:
        normalize_mastodon({"event": "notification", "payload": "{}"})
    assert caught.value.reason == "unsupported_format"


def test_missing_account_names_the_field():
    with pytest.raises(SchemaError) as caught:
        normalize_mastodon({"id": "1", "created_at": "2026-01-05T01:00:00Z", "content": "x"})
    assert (caught.value.field, caught.value.reason) == ("account", "wrong_type")
