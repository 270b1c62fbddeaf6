"""RSS 2.0 and Atom: items to news posts, and hostile XML refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.normalizers import normalize, normalize_feed
from pipeline.ingest.normalizers.feed import MAX_FEED_BYTES
from schemas.errors import SchemaError
from schemas.times import parse_time

FIXTURES = Path(__file__).parent / "fixtures" / "rss"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_rss_item_maps_every_field():
    post = normalize_feed(load("news.xml"))[0]
    assert post.id == "news:kabarkota-88123" and post.platform == "news"
    assert post.url == "https://kabarkota.example/2026/01/05/pln-padam"
    assert post.author.to_dict() == {"id": "news:kabarkota.example", "handle": "kabarkota.example",
                                     "name": "Sari Dewi", "followers": None, "verified": False}
    assert post.text == ("PLN: Pemadaman di Surabaya akibat gangguan gardu\n\nWarga mengeluh di media sosial "
                         "dengan tagar #PLNpadam & menandai @pln_123.")
    assert post.lang == "id"
    assert post.created_at == parse_time("2026-01-05T08:00:00+07:00", "t")
    assert post.hashtags == ("PLNpadam",) and post.mentions == ("pln_123",)


def test_rss_item_without_guid_or_date_uses_link_and_channel_date():
    arabic, undated = normalize_feed(load("news.xml"))[1:]
    assert arabic.id == "news:https://kabarkota.example/ar/1" and arabic.author.name == "Kabar Kota"
    assert arabic.created_at == parse_time("2026-01-05T01:30:00Z", "t")
    assert undated.created_at == parse_time("2026-01-05T09:00:00+07:00", "t") and undated.url is None


def test_atom_entry():
    [post] = normalize("atom", load("atom.xml").decode())
    assert post.id == "news:urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert post.url == "https://blog.jawa.example/2026/padam"
    assert post.author.name == "Mas Joko" and post.lang == "jv"
    assert post.text == "꧋ꦥꦼꦩꦢꦩꦤ꧀ ꦭꦶꦱ꧀ꦠꦿꦶꦏ꧀\n\nListrik mati 😩 #padam"
    assert post.created_at == parse_time("2026-01-05T08:30:00+07:00", "t")


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_entity_expansion_and_external_entities_are_refused(name):
    with pytest.raises(SchemaError) as caught:
        normalize_feed(load(name))
    assert caught.value.reason == "invalid_value" and "unsafe XML" in caught.value.problem


@pytest.mark.parametrize(
    ("payload", "reason"),
    [(b"<rss><channel>", "invalid_value"), (b"<html/>", "unsupported_format"), ({"rss": 1}, "unsupported_format"),
     (b" " * (MAX_FEED_BYTES + 1), "too_large"),
     (b"<rss><channel><item><title>t</title></item></channel></rss>", "missing_field")],
)
def test_bad_feeds(payload, reason):
    with pytest.raises(SchemaError) as caught:
        normalize_feed(payload)
    assert caught.value.reason == reason
