"""CSV and JSON exports from social-listening tools, with default and custom column mappings."""

from __future__ import annotations

from datetime import timedelta, timezone
from pathlib import Path

import pytest

from pipeline.ingest.normalizers import export_normalizer, normalize_each, normalize_json_export
from schemas.errors import SchemaError
from schemas.times import parse_time

FIXTURES = Path(__file__).parent / "fixtures" / "export"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_brandwatch_csv_skips_the_report_header_and_maps_every_field():
    tweet, article, tumblr = normalize_each("csv_export", load("brandwatch.csv"))
    assert tweet.id == "x:1877001" and tweet.platform == "x"
    assert tweet.url == "https://twitter.com/ani/status/1877001"
    assert tweet.author.to_dict() == {"id": "x:ani", "handle": "ani", "name": "Ani Lestari", "followers": 1250,
                                      "verified": True}
    assert tweet.text == 'Bank X error lagi, "parah" 😡 #BankXDown'
    assert tweet.created_at == parse_time("2026-01-05T08:00:00Z", "t")
    assert tweet.engagement.to_dict() == {"likes": 10, "reposts": 4, "replies": 2, "quotes": 0, "views": 900}
    assert tweet.hashtags == ("BankXDown",) and tweet.lang == "in"
    assert (article.platform, article.author.id) == ("news", "news:berita.example")
    assert article.text == "Bank X gangguan nasional\n\nNasabah melaporkan gangguan"
    assert (tumblr.reason, tumblr.field) == ("unknown_platform", "rows[8].platform")


def test_talkwalker_json_with_epoch_milliseconds_and_comments():
    post, comment = normalize_json_export(load("talkwalker.json"))
    assert (post.id, post.platform, post.author.id) == ("instagram:tw-1", "instagram", "instagram:ig-777")
    assert post.created_at == 1767574800.0 and post.author.followers == 5400
    assert (post.engagement.likes, post.engagement.replies) == (33, 5)
    assert (comment.kind, comment.parent_id, comment.hashtags) == ("reply", "facebook:tw-1", ("同意",))


def test_custom_mapping_semicolons_utf16_and_local_time():
    csv_text = "Kode;Waktu;Isi;Penulis\r\n9;05/01/2026 08:00;Antre BBM 3 jam ⛽;budi\r\n"
    normalize = export_normalizer(
        {"id": "Kode", "created_at": "Waktu", "text": "Isi", "author_handle": "Penulis"},
        default_platform="forum", naive_tz=timezone(timedelta(hours=7)),
    )
    [post] = normalize(csv_text.encode("utf-16"))
    assert (post.id, post.author.id, post.text) == ("forum:9", "forum:budi", "Antre BBM 3 jam ⛽")
    assert post.created_at == parse_time("2026-05-01T08:00:00+07:00", "t")


def test_unknown_mapping_field_is_a_configuration_error():
    with pytest.raises(ValueError, match="unknown export field"):
        export_normalizer({"sentiment": "Sentiment"})


@pytest.mark.parametrize(
    ("payload", "reason"),
    [(b"just,some,columns\r\n1,2,3\r\n", "missing_field"), (b"\xff\xfeX\xd8", "invalid_utf8"),
     (b"id,Date,text,author\r\n1,not a date,t,a\r\n", "invalid_value"),
     (b"id,Date,text,author,likes\r\n1,2026-01-05,t,a,lots\r\n", "invalid_value")],
)
def test_bad_csv(payload, reason):
    with pytest.raises(SchemaError) as caught:
        export_normalizer()(payload)
    assert caught.value.reason == reason
