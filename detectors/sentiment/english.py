"""English sentiment with VADER (Hutto & Gilbert, 2014), the rule-based scorer built for social media.

References
----------
Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social
Media Text. Eighth International Conference on Weblogs and Social Media (ICWSM-14).
"""

from __future__ import annotations

from vaderSentiment import vaderSentiment as vader
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

_NEGATE = frozenset(vader.NEGATE)


class _QuickerAnalyzer(SentimentIntensityAnalyzer):
    """VADER 3.3.2 with identical scores, minus its hot spots: it spells out emoji one character at a time
    (skipped here for ASCII text, which holds none), and for every sentiment word its negation and idiom
    checks lower-case the whole post again and scan the negation list linearly (here the lower-cased words
    are computed once per post and negations are a set lookup). ``tests/.../test_sentiment_english.py``
    checks the scores against VADER's own."""

    _lowered: tuple[list[str], list[str]] | None = None

    def polarity_scores(self, text: str) -> dict[str, float]:
        self._lowered = None
        if not text.isascii():  # VADER first spells emoji out, character by character; none is ASCII
            return super().polarity_scores(text)
        sentitext = vader.SentiText(text.strip())
        words = sentitext.words_and_emoticons
        sentiments: list[float] = []
        for i, item in enumerate(words):
            lowered = item.lower()
            kind_of = lowered == "kind" and i < len(words) - 1 and words[i + 1].lower() == "of"
            if lowered in vader.BOOSTER_DICT or kind_of:
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = self._but_check(words, sentiments)
        return self.score_valence(sentiments, text.strip())

    def _lower(self, words: list[str]) -> list[str]:
        cached = self._lowered
        if cached is not None and cached[0] is words:
            return cached[1]
        lowered = [str(w).lower() for w in words]
        self._lowered = (words, lowered)
        return lowered

    def _negation_check(self, valence: float, words_and_emoticons: list[str], start_i: int, i: int) -> float:
        lower = self._lower(words_and_emoticons)
        previous = lower[i - (start_i + 1)]
        is_negation = previous in _NEGATE or "n't" in previous
        if start_i == 0:
            if is_negation:
                valence = valence * vader.N_SCALAR
        elif start_i == 1:
            if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
                valence = valence * 1.25
            elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
                pass
            elif is_negation:
                valence = valence * vader.N_SCALAR
        elif start_i == 2:
            if (lower[i - 3] == "never" and (lower[i - 2] == "so" or lower[i - 2] == "this")) or (
                lower[i - 1] == "so" or lower[i - 1] == "this"
            ):
                valence = valence * 1.25
            elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
                pass
            elif is_negation:
                valence = valence * vader.N_SCALAR
        return valence

    def _special_idioms_check(self, valence: float, words_and_emoticons: list[str], i: int) -> float:
        lower = self._lower(words_and_emoticons)
        special, booster = vader.SPECIAL_CASES, vader.BOOSTER_DICT
        onezero = f"{lower[i - 1]} {lower[i]}"
        twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
        twoone = f"{lower[i - 2]} {lower[i - 1]}"
        threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
        threetwo = f"{lower[i - 3]} {lower[i - 2]}"
        for sequence in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if sequence in special:
                valence = special[sequence]
                break
        if len(lower) - 1 > i:
            zeroone = f"{lower[i]} {lower[i + 1]}"
            if zeroone in special:
                valence = special[zeroone]
        if len(lower) - 1 > i + 1:
            zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
            if zeroonetwo in special:
                valence = special[zeroonetwo]
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in booster:
                valence = valence + booster[n_gram]
        return valence


_ANALYZER: SentimentIntensityAnalyzer | None = None


def _analyzer() -> SentimentIntensityAnalyzer:
    """VADER's analyzer with the supplement, loaded once per process (its lexicon takes tens of ms to read)."""
    global _ANALYZER
    if _ANALYZER is None:
        analyzer = _QuickerAnalyzer()
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
