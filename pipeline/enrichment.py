"""Turn a post into the mentions it makes: subject matching plus language and sentiment, scored once per post.

The same code runs in the Faust enrich agent and in the in-process replay, so both see identical mentions.
"""

from __future__ import annotations

from detectors.matching import SubjectMatcher
from detectors.sentiment import SentimentScorer
from schemas.mention import Mention, Sentiment
from schemas.post import Post
from schemas.watchlist import Watchlist

__all__ = ["Enricher"]


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
    """

    def __init__(self, watchlist: Watchlist, scorer: SentimentScorer | None = None, *,
                 score_sentiment: bool = True) -> None:
        self.watchlist = watchlist
        self.matcher = SubjectMatcher(watchlist.subjects)
        self.score_sentiment = score_sentiment
        self.scorer = scorer if scorer is not None or not score_sentiment else SentimentScorer()

    def enrich(self, post: Post) -> list[Mention]:
        """Every mention ``post`` makes (none when it matches no subject)."""
        matches = self.matcher.match(post)
        if not matches:
            return []
        if self.scorer is None:
            return [Mention.from_post(post, match.subject_id, matched=match.matched, official=match.official)
                    for match in matches]
        judged = self.scorer.score(post.text)
        sentiment = Sentiment(label=judged.label, score=max(-1.0, min(1.0, float(judged.score))))
        return [
            Mention.from_post(post, match.subject_id, matched=match.matched, official=match.official,
                              lang=judged.lang, sentiment=sentiment)
            for match in matches
        ]
