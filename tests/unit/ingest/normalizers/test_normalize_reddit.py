"""Reddit things and listings: submissions, nested comments, crossposts, removed content."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.normalizers import normalize_each, normalize_reddit
from schemas.errors import SchemaError
from schemas.post import Post
from schemas.times import parse_time

FIXTURES = Path(__file__).parent / "fixtures" / "reddit"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def posts(name: str) -> list[Post]:
    return [result for result in normalize_each("reddit", load(name)) if isinstance(result, Post)]


def test_submission_maps_every_field():
    post = posts("comments_page.json")[0]
    assert post.id == "reddit:t3_1hx2abc"
    assert post.url == "https://www.reddit.com/r/indonesia/comments/1hx2abc/bank_x_down_lagi/"
    assert post.author.to_dict() == {"id": "reddit:t2_abc123", "handle": "jakarta_dev", "name": None,
                                     "followers": None, "verified": False}
    assert post.text == ("Bank X down lagi?\n\nAplikasi mobile banking error dari pagi 😩 ada yang sama? "
                         "cc u/bankx_official")
    assert post.created_at == parse_time("2026-01-05T01:00:00Z", "t")
    assert (post.kind, post.parent_id) == ("post", None)
    assert (post.engagement.likes, post.engagement.replies) == (152, 3)
    assert post.mentions == ("bankx_official",)


def test_nested_comments_are_replies_to_their_parent_fullname():
    comment, nested = posts("comments_page.json")[1:3]
    assert (comment.id, comment.kind, comment.parent_id) == ("reddit:t1_m7a1", "reply", "reddit:t3_1hx2abc")
    assert comment.engagement.likes == 0
    assert (nested.id, nested.parent_id, nested.text) == ("reddit:t1_m7a2", "reddit:t1_m7a1", "这个银行真的不行")


def test_removed_comment_is_rejected_and_more_placeholders_are_skipped():
    results = normalize_each("reddit", load("comments_page.json"))
    errors = [result for result in results if isinstance(result, SchemaError)]
    assert len(results) == 4 and len(errors) == 1
    assert errors[0].reason == "invalid_value" and "removed" in errors[0].problem
    assert errors[0].field == "[1].data.children[1].data.body"


def test_crosspost_is_a_repost_of_its_parent():
    [post] = normalize_reddit(load("crosspost.json"))
    assert (post.kind, post.parent_id) == ("repost", "reddit:t3_1hx2abc")
    assert post.text == "Bank X outage (crosspost)"
    assert post.author.id == "reddit:u/mod_bot"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"kind": "t5", "data": {}}, "unsupported_format"),
        ({"kind": "t1", "data": {"id": "x", "body": "b"}}, "missing_field"),
        ("[]]", "invalid_json"),
        (7, "not_an_object"),
    ],
)
def test_invalid_things(payload, reason):
    with pytest.raises(SchemaError) as caught:
        normalize_reddit(payload)
    assert caught.value.reason == reason
