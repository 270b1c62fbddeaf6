"""Tests for detectors/sentiment/language.py."""

import pytest

from detectors.sentiment.language import LanguageIdentifier


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pelayanannya lemot banget, gak bakal beli lagi", "id"),
        ("gw udh nunggu dr tadi tp blm ada kabar", "id"),
        ("Terima kasih atas informasinya", "id"),
        ("The delivery was late and the food was cold", "en"),
        ("I can't log in to my account since yesterday", "en"),
        ("¡Qué rico está esto!", "other"),
        ("😡😡😡", "other"),
        ("", "other"),
    ],
)
def test_predicts_language(text, expected):
    assert LanguageIdentifier().predict_one(text) == expected


def test_code_mixed_post_reports_both_languages():
    lid = LanguageIdentifier()
    proba = lid.predict_proba_one("sumpah ini app paling lemot, the worst, gak bisa login dari pagi")
    assert set(proba) == {"id", "en"}
    assert 0 < proba["en"] < proba["id"]
    assert lid.predict_one("sumpah ini app paling lemot, the worst, gak bisa login dari pagi") == "id"


def test_tie_goes_to_indonesian():
    assert LanguageIdentifier().predict_tokens(["the", "yang"]) == ("id", 0.5)


def test_min_evidence_is_validated():
    with pytest.raises(ValueError, match="min_evidence"):
        LanguageIdentifier(min_evidence=0)
    assert LanguageIdentifier(min_evidence=3).predict_one("enak sekali") == "other"
