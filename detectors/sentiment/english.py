"""English sentiment with VADER (Hutto & Gilbert, 2014), the rule-based scorer built for social media.

References
----------
Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social
Media Text. Eighth International Conference on Weblogs and Social Media (ICWSM-14).
"""

from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["EnglishVader"]

_ANALYZER: SentimentIntensityAnalyzer | None = None


def _analyzer() -> SentimentIntensityAnalyzer:
    """VADER's analyzer, loaded once per process (reading its lexicon takes tens of milliseconds)."""
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = SentimentIntensityAnalyzer()
    return _ANALYZER


class EnglishVader:
    """VADER's compound score of an English post, from -1 (most negative) to +1 (most positive).

    Examples
    --------
    >>> vader = EnglishVader()
    >>> vader.score_one("The service was great, thank you!") > 0.5
    True
    >>> vader.score_one("The service was not great") < 0
    True
    >>> vader.score_one("The store opens at nine")
    0.0

    """

    def score_one(self, text: str) -> float:
        """Compound score of a post."""
        return _analyzer().polarity_scores(text)["compound"]
