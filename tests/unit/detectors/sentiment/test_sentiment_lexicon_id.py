"""Tests for detectors/sentiment/lexicon_id.py: the Indonesian words and rules."""

import pytest

from detectors.sentiment.lexicon_id import IndonesianLexicon

lex = IndonesianLexicon()


@pytest.mark.parametrize(
    ("positive", "negated"),
    [
        ("makanannya bagus", "makanannya tidak bagus"),
        ("rasanya enak", "rasanya gak enak"),
        ("pelayanannya ramah", "pelayanannya kurang ramah"),
        ("aplikasinya bagus", "aplikasinya nggak bagus"),
        ("saya puas", "saya belum puas"),
        ("enak", "ga enak"),
        ("mantap", "gk mantap"),
    ],
)
def test_negation_flips_positive_words(positive, negated):
    assert lex.score_one(positive) > 0
    assert lex.score_one(negated) < 0


def test_negated_negative_is_not_negative():
    assert lex.score_one("tidak ada masalah") > 0
    assert lex.score_one("tempatnya nggak kotor") > 0


def test_intensifiers_scale_and_diminishers_damp():
    plain = lex.score_one("enak")
    assert lex.score_one("enak banget") > plain
    assert lex.score_one("enak bgt") == lex.score_one("enak banget")
    assert lex.score_one("sangat enak") > plain
    assert 0 < lex.score_one("agak enak") < plain
    assert lex.score_one("lemot parah") < lex.score_one("lemot")


@pytest.mark.parametrize(
    "text",
    ["lemot bgt", "anjir kecewa", "parah sih ini", "zonk", "nyesel beli", "kapok", "jelex", "php doang"],
)
def test_negative_slang(text):
    assert lex.score_one(text) < 0


@pytest.mark.parametrize("text", ["mantul", "mantappp", "kece abis", "recommended bgt", "gokil keren", "mksh min"])
def test_positive_slang(text):
    assert lex.score_one(text) > 0


def test_emoji_and_emoticons():
    assert lex.score_one("😍") > 0
    assert lex.score_one("😡") < 0
    assert lex.score_one("pesanan sampai 👍") > 0
    assert lex.score_one("pesanan belum sampai :(") < 0


def test_affixes_reach_the_root():
    assert lex.score_one("sangat mengecewakan") < 0
    assert lex.score_one("kekecewaan pelanggan") < 0
    assert lex.score_one("pelayanannya memuaskan") > 0
    assert lex.score_one("ini yang terbaik") > lex.score_one("ini baik")


def test_reduplication_and_repeated_letters():
    assert lex.score_one("enak-enak") == lex.score_one("enak")
    assert lex.score_one("enak2") == lex.score_one("enak")
    assert lex.score_one("kerennnn") == lex.score_one("keren")


def test_contrast_weighs_the_clause_after_tapi():
    assert lex.score_one("tempatnya bagus tapi pelayanannya buruk") < 0
    assert lex.score_one("pelayanannya buruk tapi tempatnya bagus") > 0


def test_code_mixed_english_words():
    assert lex.score_one("worst banget sih") < 0
    assert lex.score_one("so good, love it") > 0


def test_neutral_text_scores_zero_and_scores_are_bounded():
    assert lex.score_one("saya ke kantor naik bus jam tujuh") == 0.0
    assert lex.score_one("") == 0.0
    extreme = " ".join(["mantap banget"] * 50) + "!!!!!!"
    assert lex.score_one(extreme) <= 1.0
    assert lex.score_one(extreme.replace("mantap", "jelek")) >= -1.0


def test_exclamations_add_emphasis():
    assert lex.score_one("keren!!!") > lex.score_one("keren")


def test_parameters_are_validated():
    with pytest.raises(ValueError):
        IndonesianLexicon(negation_window=-1)
    with pytest.raises(ValueError):
        IndonesianLexicon(contrast_weight=2.5)
