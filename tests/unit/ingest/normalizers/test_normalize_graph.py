"""Facebook Page and Instagram webhooks: feed posts, comments, shares, removals, id-only mentions."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.normalizers import normalize, normalize_each
from schemas.errors import SchemaError
from schemas.times import parse_time

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_facebook_comment_maps_every_field():
    post = normalize_each("facebook", load("facebook/feed_changes.json"))[0]
    assert post.id == "facebook:104000000000001_900_801"
    assert post.platform == "facebook"
    assert post.url == "https://www.facebook.com/104000000000001_900?comment_id=104000000000001_900_801"
    assert post.author.to_dict() == {"id": "facebook:7000000001", "handle": None, "name": "Rina Wati",
                                     "followers": None, "verified": False}
    assert post.text == "Pesanan saya belum sampai 2 minggu 😡 #kecewa"
    assert post.created_at == 1767574800.0
    assert (post.kind, post.parent_id) == ("reply", "facebook:104000000000001_900")
    assert post.hashtags == ("kecewa",)


def test_facebook_status_share_reaction_and_removal():
    status, share, reaction, removed = normalize_each("facebook", load("facebook/feed_changes.json"))[1:]
    assert (status.kind, status.text, status.author.name) == ("post", "خدمة سيئة جدا", "أحمد")
    assert share.kind == "repost"
    assert share.created_at == parse_time("2026-01-05T01:01:00Z", "t")
    assert (reaction.reason, reaction.field) == ("unsupported_format", "entry[0].changes[3].value.item")
    assert (removed.reason, removed.field) == ("invalid_value", "entry[0].changes[4].value.verb")


def test_instagram_comments_and_an_id_only_mention():
    comment, reply, mention = normalize_each("instagram", load("instagram/comments.json"))
    assert comment.id == "instagram:17860000000000001" and comment.platform == "instagram"
    assert comment.author.handle == "dewi.ayu" and comment.author.id == "instagram:17850000000000001"
    assert (comment.kind, comment.parent_id) == ("reply", "instagram:18000000000000001")
    assert comment.created_at == 1767574800.0
    assert comment.hashtags == ("boikot",) and comment.mentions == ("brand_id",)
    assert (reply.parent_id, reply.text) == ("instagram:17860000000000001", "太过分了")
    assert mention.reason == "unsupported_format"


def test_entry_time_in_milliseconds_is_understood():
    delivery = {"object": "instagram", "entry": [{"id": "1", "time": 1767574800000, "changes": [
        {"field": "comments", "value": {"id": "5", "text": "ok", "from": {"id": "9"}}}]}]}
    assert normalize("instagram", delivery)[0].created_at == 1767574800.0


@pytest.mark.parametrize(
    ("payload", "reason"),
    [({"object": "user", "entry": []}, "unsupported_format"), ({"object": "page"}, "missing_field"),
     ({"object": "page", "entry": [{"changes": [{"field": "ratings", "value": {}}]}]}, "unsupported_format")],
)
def test_unsupported_deliveries(payload, reason):
    with pytest.raises(SchemaError) as caught:
        normalize("facebook", payload)
    assert caught.value.reason == reason
