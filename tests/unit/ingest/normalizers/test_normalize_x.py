"""X API v2 responses: field-by-field normalization, references, unavailable tweets."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from pipeline.ingest.normalizers import normalize_each, normalize_x
from schemas.errors import SchemaError
from schemas.times import parse_time

FIXTURES = Path(__file__).parent / "fixtures" / "x"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_original_tweet_maps_every_field():
    post = normalize_x(load("search_recent.json"))[0]
    assert post.id == "x:1877001000000000001"
    assert post.platform == "x"
    assert post.url == "https://x.com/warga_sby/status/1877001000000000001"
    assert post.author.id == "x:2244994945"
    assert post.author.handle == "warga_sby"
    assert post.author.name == "Warga Surabaya"
    assert post.author.followers == 15300
    assert post.author.verified is False
    assert post.text.startswith("Listrik padam") and "😡" in post.text
    assert post.lang == "in"
    assert post.created_at == parse_time("2026-01-05T01:00:00Z", "t")
    assert post.ingested_at is None
    assert (post.kind, post.parent_id) == ("post", None)
    assert post.engagement.to_dict() == {"likes": 40, "reposts": 12, "replies": 3, "quotes": 2, "views": 5120}
    assert post.hashtags == ("PLN", "padam")
    assert post.mentions == ("pln_123",)


def test_reply_in_javanese_script_points_at_its_parent():
    post = normalize_x(load("search_recent.json"))[1]
    assert (post.kind, post.parent_id) == ("reply", "x:1877001000000000001")
    assert "ꦱꦸꦒꦼꦁ" in post.text and post.lang == "jv"
    assert post.author.verified is True and post.author.name == "ꦮꦺꦴꦁꦗꦮ"
    assert post.engagement.views is None


def test_retweet_without_user_expansion_is_a_repost_with_unknown_followers():
    post = normalize_x(load("search_recent.json"))[2]
    assert (post.kind, post.parent_id) == ("repost", "x:1877001000000000001")
    assert post.author.handle is None and post.author.followers is None
    assert post.url == "https://x.com/i/web/status/1877001000000000003"
    assert post.hashtags == ("PLN", "padam")
    assert post.mentions == ("warga_sby", "pln_123")


def test_quote_uses_the_long_note_tweet_text_and_its_arabic_hashtag():
    post = normalize_x(load("search_recent.json"))[3]
    assert (post.kind, post.parent_id) == ("quote", "x:1877001000000000001")
    assert post.text.endswith("#انقطاع_الكهرباء")
    assert post.hashtags == ("انقطاع_الكهرباء",)
    assert post.author.followers is None


def test_reply_wins_over_quote_and_repost_wins_over_both():
    tweet = {"id": "1", "text": "t", "author_id": "2", "created_at": "2026-01-05T01:00:00Z",
             "referenced_tweets": [{"type": "quoted", "id": "8"}, {"type": "replied_to", "id": "9"}]}
    assert normalize_x({"data": tweet})[0].parent_id == "x:9"
    tweet["referenced_tweets"].append({"type": "retweeted", "id": "7"})
    assert normalize_x({"data": tweet})[0].kind == "repost"


def test_single_stream_tweet_with_minimal_fields():
    [post] = normalize_x(load("stream_single.json"))
    assert post.id == "x:1877001000000000020"
    assert post.engagement.total == 0 and post.hashtags == () and post.lang is None


def test_deleted_tweet_is_an_error_not_a_silent_drop():
    results = normalize_each("x", load("lookup_deleted.json"))
    assert [type(result).__name__ for result in results] == ["Post", "SchemaError"]
    error = results[1]
    assert error.reason == "invalid_value" and error.field == "errors[0]"
    assert "1877001000000000011" in error.problem and "Not Found" in error.problem
    assert results[0].text == "新年快乐 🎉 但是服务太差了"
    with pytest.raises(SchemaError, match="unavailable"):
        normalize_x(load("lookup_deleted.json"))


@pytest.mark.parametrize(
    ("payload", "reason", "field"),
    [
        ({"meta": {"result_count": 0}}, "missing_field", "data"),
        ({"data": "nope"}, "wrong_type", "data"),
        ({"data": [{"id": "1", "author_id": "2", "created_at": "2026-01-05T01:00:00Z"}]}, "missing_field",
         "data[0].text"),
        ({"data": {"id": "1", "text": "t", "created_at": "2026-01-05T01:00:00Z"}}, "missing_field", "data.author_id"),
        ({"data": {"id": "1", "text": "t", "author_id": "2", "created_at": "yesterday"}}, "invalid_value",
         "data.created_at"),
        ({"data": {"id": "1", "text": "t", "author_id": "2", "created_at": "2026-01-05T01:00:00Z",
                   "public_metrics": {"like_count": "many"}}}, "wrong_type", "data.public_metrics.like_count"),
    ],
)
def test_invalid_tweets_name_the_field_and_reason(payload, reason, field):
    with pytest.raises(SchemaError) as caught:
        normalize_x(orjson.dumps(payload))
    assert (caught.value.reason, caught.value.field) == (reason, field)


def test_empty_search_result_gives_no_posts():
    assert normalize_x({"data": [], "meta": {"result_count": 0}}) == []
