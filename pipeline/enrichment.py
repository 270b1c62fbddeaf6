"""Turn a post into the mentions it makes: subject matching plus language and sentiment, scored once per post.

The same code runs in the Faust enrich agent and in the in-process replay, so both see identical mentions.
"""

from __future__ import annotations

from collections import OrderedDict

from detectors.matching import SubjectMatcher
from detectors.sentiment import SentimentScorer
from schemas.frozen import positional_builder
from schemas.mention import Mention, Sentiment
from schemas.post import Post
from schemas.watchlist import Watchlist

__all__ = ["Enricher", "RecentPosts"]

_build_sentiment = positional_builder(Sentiment)  # Sentiment(label, score), built once per matched post

#: Matched posts whose text a worker remembers, so a correction may name a post by its id alone.
RECENT_POSTS = 100_000


class RecentPosts:
    """A bounded map of post id to text that forgets the least recently stored or read post first.

    >>> recent = RecentPosts(capacity=2)
    >>> recent.remember("x:1", "satu"); recent.remember("x:2", "dua")
    >>> recent.text("x:1")
    'satu'
    >>> recent.remember("x:3", "tiga")
    >>> recent.text("x:2") is None, len(recent)
    (True, 2)
    """

    def __init__(self, capacity: int = RECENT_POSTS) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._texts: OrderedDict[str, str] = OrderedDict()

    def remember(self, post_id: str, text: str) -> None:
        """Store ``text`` under ``post_id``, forgetting the oldest entry when full."""
        texts = self._texts
        if post_id in texts:
            texts.move_to_end(post_id)
        texts[post_id] = text
        if len(texts) > self.capacity:
            texts.popitem(last=False)

    def text(self, post_id: str) -> str | None:
        """The text of ``post_id``, or None when it was never seen or has been forgotten."""
        text = self._texts.get(post_id)
        if text is not None:
            self._texts.move_to_end(post_id)
        return text

    def __len__(self) -> int:
        return len(self._texts)


class Enricher:
    """Match posts to the watchlist and attach language and sentiment.

    >>> from schemas.post import Author, Post
    >>> from schemas.watchlist import Watchlist
    >>> watchlist = Watchlist.from_dict({"subjects": [{"id": "pln", "name": "PLN", "terms": ["pln"]}]})
    >>> enricher = Enricher(watchlist)
    >>> post = Post(id="x:1", platform="x", author=Author(id="u1"), created_at=0.0,
    ...             text="PLN padam lagi, kecewa banget")
    >>> [(m.subject_id, m.sentiment.label, m.lang) for m in enricher.enrich(post)]
    [('pln', 'negative', 'id')]
    >>> enricher.recent_posts.text("x:1")
    'PLN padam lagi, kecewa banget'
    """

    def __init__(self, watchlist: Watchlist, scorer: SentimentScorer | None = None, *,
                 score_sentiment: bool = True, recent_posts: int = RECENT_POSTS) -> None:
        self.watchlist = watchlist
        self.matcher = SubjectMatcher(watchlist.subjects)
        self.score_sentiment = score_sentiment
        self.scorer = scorer if scorer is not None or not score_sentiment else SentimentScorer()
        if recent_posts < 0:
            raise ValueError(f"recent_posts must be at least 0, got {recent_posts}")
        #: Matched posts' texts by id, for corrections that name a post by its id alone. With ``recent_posts=0``
        #: it stays empty: a replay takes no corrections, so it neither spends time nor memory on them.
        self.recent_posts = RecentPosts(max(recent_posts, 1))
        self._remember = self.recent_posts.remember if recent_posts else None

    def enrich(self, post: Post) -> list[Mention]:
        """Every mention ``post`` makes (none when it matches no subject)."""
        matches = self.matcher.find(post)
        if not matches:
            return []
        if self._remember is not None:
            self._remember(post.id, post.text)
        lang: str | None = None
        sentiment: Sentiment | None = None
        if self.scorer is not None:
            judged = self.scorer.score(post.text)
            lang = judged.lang
            score = float(judged.score)
            score = score if score < 1.0 else 1.0  # min(1.0, score), NaN included, without the builtin calls
            sentiment = _build_sentiment(judged.label, score if score > -1.0 else -1.0)
        from_post = Mention.from_post
        return [from_post(post, subject_id, matched=matched, official=official, lang=lang, sentiment=sentiment)
                for subject_id, matched, official in matches]
