"""Drill text: every template names its subject, crises read negative, bursts do not."""

from __future__ import annotations

import random

import pytest

from pipeline.simulate.scenarios import BENIGN_KINDS, CRISIS_KINDS
from pipeline.simulate.subjects import make_subjects
from pipeline.simulate.text import BENIGN_TEXT, CRISIS_TEXT, TextMaker

SUBJECTS = make_subjects(30, random.Random(2))


def _named(text: str, terms: tuple[str, ...]) -> bool:
    return any(term in text.lower() for term in terms)


def test_every_kind_has_templates() -> None:
    assert set(CRISIS_TEXT) == set(CRISIS_KINDS) and set(BENIGN_TEXT) == set(BENIGN_KINDS)


@pytest.mark.parametrize("kind", CRISIS_KINDS + BENIGN_KINDS)
def test_episode_text_names_its_subject_and_no_other(kind: str) -> None:
    maker = TextMaker(random.Random(0))
    write = maker.crisis if kind in CRISIS_KINDS else maker.benign
    for subject in SUBJECTS:
        others = [s.terms for s in SUBJECTS if s.id != subject.id]
        for _ in range(40):
            text, lang = write(kind, subject)
            assert _named(text, subject.terms), text
            assert not any(_named(text, terms) for terms in others), text
            assert lang in ("id", "en", None)


def test_everyday_and_official_text_name_the_subject_and_noise_does_not() -> None:
    maker = TextMaker(random.Random(1))
    for subject in SUBJECTS:
        assert _named(maker.everyday(subject)[0], subject.terms)
        assert _named(maker.official(subject, "rina_tan12")[0], subject.terms)
    assert not any(_named(maker.noise()[0], s.terms) for s in SUBJECTS for _ in range(5))


def test_crisis_text_is_negative_to_the_pipeline_sentiment() -> None:
    sentiment = pytest.importorskip("detectors.sentiment")
    scorer = sentiment.SentimentScorer()
    maker = TextMaker(random.Random(3))
    subject = SUBJECTS[0]
    for kind in CRISIS_KINDS:
        labels = [scorer.score(maker.crisis(kind, subject)[0]).label for _ in range(100)]
        assert labels.count("negative") >= 90, kind
    for kind in BENIGN_KINDS:
        labels = [scorer.score(maker.benign(kind, subject)[0]).label for _ in range(100)]
        assert labels.count("negative") <= 5, kind
    everyday = [scorer.score(maker.everyday(subject)[0]).label for _ in range(200)]
    assert 5 <= everyday.count("negative") <= 40
