"""Tests for detectors/sentiment/english.py: VADER, sped up but with VADER's own scores."""

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from detectors.sentiment.english import SUPPLEMENT, EnglishVader, _analyzer

TRICKY = [
    "The service was great!",
    "The service was not great",
    "I don't think this is not good",
    "never so good",
    "never this happy",
    "without doubt the best",
    "It is kind of bad",
    "sort of great, but the food was AWFUL!!",
    "No way, this is not the shit",
    "The staff were rude but the food was amazing :)",
    "I love it 😍😍 but delivery was late 😡",
    "Overpriced, bland and slow",
    "meh",
    "",
]


@pytest.fixture(scope="module")
def reference():
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update({w: v for w, v in SUPPLEMENT.items() if w not in analyzer.lexicon})
    return analyzer


@pytest.mark.parametrize("text", TRICKY)
def test_scores_are_vaders_own(reference, text):
    assert _analyzer().polarity_scores(text) == reference.polarity_scores(text)


def test_supplement_fills_gaps_in_vader():
    vader = EnglishVader()
    assert vader.score_one("the app is so laggy") < 0
    assert vader.score_one("cozy place, tasty food") > 0
    assert SentimentIntensityAnalyzer().polarity_scores("the app is so laggy")["compound"] == 0.0


def test_negation_and_contrast():
    vader = EnglishVader()
    assert vader.score_one("not good") < 0 < vader.score_one("good")
    assert vader.score_one("the food was good but the service was terrible") < 0
