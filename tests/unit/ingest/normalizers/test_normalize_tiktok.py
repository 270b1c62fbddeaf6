"""TikTok Research API: videos, comments and API errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.normalizers import normalize_tiktok
from pipeline.ingest.normalizers.tiktok import UNKNOWN_AUTHOR
from schemas.errors import SchemaError

FIXTURES = Path(__file__).parent / "fixtures" / "tiktok"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_video_maps_every_field():
    video, bare = normalize_tiktok(load("videos.json"))
    assert video.id == "tiktok:7321000000000000001"
    assert video.url == "https://www.tiktok.com/@review_jujur/video/7321000000000000001"
    assert video.author.to_dict() == {"id": "tiktok:review_jujur", "handle": "review_jujur", "name": None,
                                      "followers": None, "verified": False}
    assert video.created_at == 1767574800.0
    assert video.engagement.to_dict() == {"likes": 15000, "reposts": 3100, "replies": 820, "quotes": 0,
                                          "views": 250000}
    assert video.hashtags == ("skincare", "racun") and video.mentions == ("brand.id",)
    assert (bare.text, bare.author.handle) == ("", "عربي_ريفيو")


def test_comments_are_replies_with_an_unknown_author():
    top, nested = normalize_tiktok(load("comments.json"))
    assert (top.kind, top.parent_id, top.author.id) == ("reply", "tiktok:7321000000000000001", UNKNOWN_AUTHOR)
    assert (top.engagement.likes, top.engagement.replies) == (230, 4)
    assert nested.parent_id == "tiktok:7321500000000000001" and nested.text == "真的吗？"


def test_api_error_is_rejected():
    with pytest.raises(SchemaError) as caught:
        normalize_tiktok(load("error.json"))
    assert caught.value.reason == "invalid_value" and "invalid_params" in caught.value.problem
