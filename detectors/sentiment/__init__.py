"""Bilingual (Indonesian, English, code-mixed) sentiment for Siaga: rules to start, online models on top.

The worker builds one ``SentimentScorer`` (``SentimentScorer.from_model_dir(path)``), calls
``scorer.score(text)`` for each post and ``scorer.learn(text, label)`` for each analyst correction, and saves
it with ``scorer.save(path)``.
"""

from __future__ import annotations

from detectors.sentiment.language import LanguageIdentifier
from detectors.sentiment.scorer import LABELS, IncompatibleModelError, Sentiment, SentimentScorer

__all__ = ["LABELS", "IncompatibleModelError", "LanguageIdentifier", "Sentiment", "SentimentScorer"]
