"""English sentiment with VADER (Hutto & Gilbert, 2014), the rule-based scorer built for social media.

References
----------
Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social
Media Text. Eighth International Conference on Weblogs and Social Media (ICWSM-14).
"""

from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["EnglishVader"]

#: Words VADER's lexicon lacks that matter in complaints about products and services (Siaga's own valences).
SUPPLEMENT: dict[str, float] = {
    "expensive": -1.5, "overpriced": -2.0, "pricey": -1.0, "slow": -1.5, "late": -1.0, "laggy": -2.0,
    "buggy": -2.0, "unresponsive": -2.0, "stale": -1.8, "smelly": -2.0, "soggy": -1.5, "greasy": -1.0,
    "bland": -1.5, "tasteless": -2.0, "mediocre": -1.5, "overrated": -1.5, "corrupt": -2.5, "corruption": -2.5,
    "cramped": -1.5, "stuffy": -1.2, "crowded": -0.8, "refund": -1.0, "scammed": -3.0, "lemot": -2.0,
    "cozy": 2.0, "spacious": 1.5, "affordable": 1.5, "polite": 2.0, "tasty": 2.2, "juicy": 1.5,
    "crispy": 1.2, "fast": 1.0, "quick": 0.8, "mantap": 2.5, "mantul": 2.5, "kecewa": -2.5,
}

_ANALYZER: SentimentIntensityAnalyzer | None = None


def _analyzer() -> SentimentIntensityAnalyzer:
    """VADER's analyzer with the supplement, loaded once per process (its lexicon takes tens of ms to read)."""
    global _ANALYZER
    if _ANALYZER is None:
        analyzer = SentimentIntensityAnalyzer()
        analyzer.lexicon.update({w: v for w, v in SUPPLEMENT.items() if w not in analyzer.lexicon})
        _ANALYZER = analyzer
    return _ANALYZER


class EnglishVader:
    """VADER's compound score of an English post, from -1 (most negative) to +1 (most positive).

    VADER's own lexicon is extended with a few words it lacks (``SUPPLEMENT``: "overpriced", "laggy", ...).

    Examples
    --------
    >>> vader = EnglishVader()
    >>> vader.score_one("The service was great, thank you!") > 0.5
    True
    >>> vader.score_one("The service was not great") < 0
    True
    >>> vader.score_one("The store opens at nine")
    0.0
    >>> vader.score_one("Overpriced and bland") < 0
    True

    """

    def score_one(self, text: str) -> float:
        """Compound score of a post."""
        return _analyzer().polarity_scores(text)["compound"]
