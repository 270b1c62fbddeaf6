"""Bluesky Jetstream commit events: posts, replies, quotes, reposts, deletes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.normalizers import normalize_bluesky, normalize_each
from schemas.errors import SchemaError
from schemas.times import parse_time

FIXTURES = Path(__file__).parent / "fixtures" / "bluesky"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_reply_with_facets_maps_every_field():
    [post] = normalize_bluesky(load("post_reply_facets.json"))
    did = "did:plc:eygmaihciaxprqvxpfvl6flk"
    assert post.id == f"bluesky:at://{did}/app.bsky.feed.post/3lf2abcdefg2b"
    assert post.url == f"https://bsky.app/profile/{did}/post/3lf2abcdefg2b"
    assert post.author.to_dict() == {"id": f"bluesky:{did}", "handle": None, "name": None, "followers": None,
                                     "verified": False}
    assert post.text == "😡 @pln.bsky.social mati lampu lagi #PLN"
    assert post.lang == "id"
    assert post.created_at == parse_time("2026-01-05T01:00:00Z", "t")
    assert (post.kind, post.parent_id) == ("reply", "bluesky:at://did:plc:abc/app.bsky.feed.post/3lf2parent")
    assert post.hashtags == ("PLN",)
    assert post.mentions == ("pln.bsky.social",)


def test_quote_without_created_at_falls_back_to_time_us():
    [post] = normalize_bluesky(load("quote_no_createdat.json"))
    assert (post.kind, post.parent_id) == ("quote", "bluesky:at://did:plc:abc/app.bsky.feed.post/3lf2orig")
    assert post.created_at == 1767574860.0
    assert post.text == "服务太差了 ꦲꦗꦶ" and post.lang is None


def test_repost_record_points_at_its_subject():
    [post] = normalize_bluesky(load("repost.json"))
    assert (post.kind, post.parent_id, post.text) == ("repost", "bluesky:at://did:plc:abc/app.bsky.feed.post/3lf2orig",
                                                     "")


@pytest.mark.parametrize(
    ("name", "reason"), [("delete.json", "invalid_value"), ("identity.json", "unsupported_format")]
)
def test_deletes_and_identity_events_are_rejected_with_a_reason(name, reason):
    with pytest.raises(SchemaError) as caught:
        normalize_bluesky(load(name))
    assert caught.value.reason == reason


def test_a_like_is_unsupported_and_a_batch_keeps_the_good_events():
    like = {"did": "did:plc:a", "time_us": 1767574800000000, "kind": "commit",
            "commit": {"operation": "create", "collection": "app.bsky.feed.like", "rkey": "1", "record": {}}}
    post = {"did": "did:plc:a", "time_us": 1767574800000000, "kind": "commit",
            "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "2",
                       "record": {"text": "hi", "createdAt": "2026-01-05T01:00:00Z"}}}
    results = normalize_each("bluesky", [like, post])
    assert results[0].reason == "unsupported_format" and results[0].field.startswith("[0]")
    assert results[1].id == "bluesky:at://did:plc:a/app.bsky.feed.post/2"


def test_bad_facet_ranges_are_ignored_not_fatal():
    event = {"did": "did:plc:a", "time_us": 1767574800000000, "kind": "commit",
             "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "2",
                        "record": {"text": "hi", "createdAt": "2026-01-05T01:00:00Z",
                                   "facets": [{"index": {"byteStart": 5, "byteEnd": 99},
                                               "features": [{"$type": "app.bsky.richtext.facet#mention",
                                                             "did": "did:plc:b"}]}]}}}
    assert normalize_bluesky(event)[0].mentions == ("did:plc:b",)
