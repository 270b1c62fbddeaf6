"""WindowAccumulator: dedupe, statistics, bounded memory and a faithful to_dict round trip."""

from __future__ import annotations

import orjson
import pytest

from detectors.windows import WindowAccumulator, window_start
from schemas.mention import Mention, Sentiment

NEG = Sentiment("negative", -0.8)
POS = Sentiment("positive", 0.6)


def mention(n: int, *, author: str = "u1", text: str = "bankx transfer gagal", t: float = 10.0, reach: int = 100,
            sentiment: Sentiment | None = None, hashtags: tuple[str, ...] = (), official: bool = False) -> Mention:
    return Mention(post_id=f"x:{n}", subject_id="bank-x", platform="x", author_id=f"x:{author}",
                   author_handle=author, text=text, created_at=t, url=f"https://x.com/i/{n}", reach=reach,
                   sentiment=sentiment, hashtags=hashtags, official=official)


def test_window_start_is_aligned_to_the_epoch() -> None:
    assert window_start(1767574859.999, 60.0) == 1767574800.0
    assert window_start(1767574860.0, 60.0) == 1767574860.0
    assert window_start(59.0, 300.0) == 0.0


def test_a_redelivered_post_is_counted_once() -> None:
    w = WindowAccumulator(0.0, 60.0)
    assert w.add(mention(1, reach=100, sentiment=NEG))
    assert not w.add(mention(1, reach=100, sentiment=NEG))
    assert w.add(mention(2, reach=50))
    assert (w.volume, w.negative, w.reach, w.sentiment_count) == (2, 1, 150, 1)
    assert w.term_counts["transfer"] == 2


def test_statistics_without_any_sentiment_are_none() -> None:
    w = WindowAccumulator(0.0, 60.0)
    w.add(mention(1))
    features = w.features()
    assert features["negative_share"] is None and features["sentiment_mean"] is None
    assert features["volume"] == 1 and features["authors"] == 1


def test_negative_share_counts_only_mentions_with_sentiment() -> None:
    w = WindowAccumulator(0.0, 60.0)
    w.add(mention(1, sentiment=NEG))
    w.add(mention(2, sentiment=POS))
    w.add(mention(3))
    assert w.negative_share == 0.5
    assert w.sentiment_mean == pytest.approx(-0.1)
    assert w.stats()["start"] == 0.0 and w.stats()["end"] == 60.0


def test_top_posts_keep_the_largest_reach_and_top_authors_the_busiest() -> None:
    w = WindowAccumulator(0.0, 60.0, top_posts=3)
    for n, reach in enumerate([5, 500, 50, 5000, 1, 50000, 7]):
        w.add(mention(n, author=f"a{n % 2}", reach=reach))
    assert [p["reach"] for p in w.top_posts()] == [50000, 5000, 500]
    assert w.top_posts()[0] == {"post_id": "x:5", "author": "a1", "reach": 50000, "url": "https://x.com/i/5"}
    authors = w.top_authors()
    assert authors[0]["author"] == "a0" and authors[0]["posts"] == 4
    assert authors[1] == {"author": "a1", "posts": 3, "reach": 500 + 5000 + 50000}


def test_top5_author_share_shows_a_bot_burst() -> None:
    bots = WindowAccumulator(0.0, 60.0)
    crowd = WindowAccumulator(0.0, 60.0)
    for n in range(100):
        bots.add(mention(n, author=f"bot{n % 3}"))
        crowd.add(mention(n, author=f"person{n}"))
    assert bots.top_author_share() == 1.0
    assert crowd.top_author_share() == pytest.approx(0.05)
    assert WindowAccumulator(0.0, 60.0).top_author_share() == 0.0


def test_samples_prefer_negative_posts() -> None:
    w = WindowAccumulator(0.0, 60.0, samples=3)
    for n in range(5):
        w.add(mention(n))
    w.add(mention(10, sentiment=NEG))
    w.add(mention(11, sentiment=NEG))
    assert w.sample_post_ids == ["x:10", "x:11", "x:0"]


def test_hashtags_are_normalised_and_terms_skip_links_handles_and_stopwords() -> None:
    w = WindowAccumulator(0.0, 60.0)
    w.add(mention(1, text="Yang BOCOR itu data @bankx https://t.co/abc #BankXBocor", hashtags=("BankXBocor",)))
    w.add(mention(2, text="bocor lagi", hashtags=("#bankxbocor",)))
    assert w.hashtag_counts == {"bankxbocor": 2}
    assert w.top_terms(2) == [("bocor", 2), ("data", 1)]
    assert "bankx" not in w.term_counts and "yang" not in w.term_counts


def test_a_term_counts_once_per_post() -> None:
    w = WindowAccumulator(0.0, 60.0)
    w.add(mention(1, text="bocor bocor BOCOR!!!", hashtags=("Bocor", "bocor")))
    w.add(mention(2, text="bocor"))
    assert w.term_counts == {"bocor": 2} and w.hashtag_counts == {"bocor": 1}


def test_distinct_terms_stay_bounded() -> None:
    w = WindowAccumulator(0.0, 60.0, max_terms=50)
    for n in range(1000):
        w.add(mention(n, text=f"bocor uniqueword{n}"))
    assert len(w.term_counts) <= 100
    assert w.top_terms(1) == [("bocor", 1000)]


def test_only_the_first_mentions_are_tokenized() -> None:
    w = WindowAccumulator(0.0, 60.0, max_tokenized=10)
    for n in range(25):
        w.add(mention(n, text="bocor"))
    assert (w.volume, w.tokenized, w.term_counts) == (25, 10, {"bocor": 10})


def test_earliest_official_post_is_kept() -> None:
    w = WindowAccumulator(0.0, 60.0)
    assert w.official is None
    w.add(mention(2, author="care", t=40.0, official=True))
    w.add(mention(3, author="care", t=20.0, official=True))
    assert w.official == {"post_id": "x:3", "author": "care", "url": "https://x.com/i/3", "time": 20.0}


def test_round_trip_through_json_keeps_counting_and_dedupe() -> None:
    w = WindowAccumulator(0.0, 60.0)
    for n in range(20):
        w.add(mention(n, author=f"a{n % 4}", reach=n, sentiment=NEG if n % 3 else POS, hashtags=("x",),
                      official=n == 7))
    restored = WindowAccumulator.from_dict(orjson.loads(orjson.dumps(w.to_dict())))
    assert restored.to_dict() == w.to_dict()
    assert not restored.add(mention(3))
    assert restored.add(mention(99, reach=10**6))
    assert restored.top_posts()[0]["post_id"] == "x:99"


def test_unknown_state_version_is_refused() -> None:
    state = WindowAccumulator(0.0, 60.0).to_dict()
    state["version"] = 99
    with pytest.raises(ValueError, match="version"):
        WindowAccumulator.from_dict(state)


def test_a_window_must_have_a_positive_length() -> None:
    with pytest.raises(ValueError):
        WindowAccumulator(60.0, 60.0)
