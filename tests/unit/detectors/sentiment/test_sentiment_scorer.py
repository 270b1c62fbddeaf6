"""Tests for detectors/sentiment/scorer.py: the composed bilingual scorer and its persistence."""

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.sentiment import IncompatibleModelError, Sentiment, SentimentScorer
from detectors.sentiment.scorer import MANIFEST, STATE

TRAINING = [
    ("harga naik lagi", "negative"),
    ("promo kuota murah meriah", "positive"),
    ("sinyal hilang dari pagi", "negative"),
    ("cabang baru buka di bandung", "neutral"),
    ("delivery was on time, great job", "positive"),
    ("the parcel never arrived", "negative"),
    ("mantap, cepat banget prosesnya", "positive"),
    ("ga bisa login dari semalam", "negative"),
]


def _trained() -> SentimentScorer:
    scorer = SentimentScorer()
    for text, label in TRAINING * 3:
        scorer.learn(text, label)
    return scorer


@pytest.mark.parametrize(
    ("text", "label", "lang"),
    [
        ("Pelayanannya lemot bgt, kecewa parah 😡", "negative", "id"),
        ("Makanannya enak banget, mantap!", "positive", "id"),
        ("Rasanya nggak enak, gak bakal balik lagi", "negative", "id"),
        ("Kantor cabang buka jam 9 pagi", "neutral", "id"),
        ("The app keeps crashing, worst update ever", "negative", "en"),
        ("Thank you, the support team was wonderful", "positive", "en"),
        ("The store opens at nine tomorrow", "neutral", "en"),
        ("😍😍😍", "positive", "other"),
    ],
)
def test_untrained_scorer_follows_the_rules(text, label, lang):
    result = SentimentScorer().score(text)
    assert isinstance(result, Sentiment)
    assert (result.label, result.lang) == (label, lang)


def test_score_sign_matches_label():
    scorer = SentimentScorer()
    assert scorer.score("kecewa berat sama layanannya").score < -0.5
    assert scorer.score("keren banget!").score > 0.5
    assert abs(scorer.score("besok rapat jam 10").score) < 0.5


def test_code_mixed_posts_use_both_rule_sets():
    scorer = SentimentScorer()
    # English sentiment words in an Indonesian post, and Indonesian slang in an English one.
    assert scorer.score("jujur ini app paling useless, the worst, gak bisa dipake").label == "negative"
    assert scorer.score("the service was so slow, kecewa bgt sih").label == "negative"
    assert scorer.score("sumpah the food is amazing, enak parah").label == "positive"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gets_a_bounded_score(text):
    result = SentimentScorer().score(text)
    assert result.label in ("negative", "neutral", "positive")
    assert -1.0 <= result.score <= 1.0
    assert result.lang in ("id", "en", "other")


def test_a_few_corrections_change_the_prediction_for_a_phrase():
    scorer = SentimentScorer()
    assert scorer.score("stok vaksin datang minggu ini").label == "neutral"
    for _ in range(3):
        scorer.learn("stok vaksin datang minggu ini", "positive")
    assert scorer.score("stok vaksin datang minggu ini").label == "positive"
    # ...without rewriting what the rules know elsewhere.
    assert scorer.score("pelayanannya jelek banget").label == "negative"


def test_a_repeated_text_is_judged_once_until_the_model_learns():
    scorer, twin = SentimentScorer(), SentimentScorer()
    text = "stok vaksin datang minggu ini"
    before = scorer.score(text)
    assert scorer.score(text) == before and scorer._judged.cache_info().hits == 1
    for _ in range(3):
        scorer.learn(text, "positive")
        twin.learn(text, "positive")
    assert scorer.score(text) == twin.score(text) != before  # judged again, by the model that learned


def test_corrections_can_overrule_the_lexicon():
    scorer = SentimentScorer()
    assert scorer.score("dingin banget es kopinya").label == "negative"
    for _ in range(5):
        scorer.learn("dingin banget es kopinya", "positive")
    assert scorer.score("dingin banget es kopinya").label == "positive"


def test_learning_goes_to_the_posts_language():
    scorer = SentimentScorer()
    scorer.learn("harga naik lagi", "negative")
    scorer.learn("the parcel never arrived", "negative")
    scorer.learn("😡", "negative")
    assert scorer.n_learned == {"id": 2, "en": 1}


def test_unknown_label_is_refused():
    with pytest.raises(ValueError, match="unknown sentiment label"):
        SentimentScorer().learn("harga naik", "angry")


def test_same_data_order_gives_the_same_model():
    assert _trained().to_dict() == _trained().to_dict()


def test_save_load_round_trip_gives_identical_predictions(tmp_path):
    scorer = _trained()
    scorer.save(tmp_path / "model")
    restored = SentimentScorer.load(tmp_path / "model")
    for text in ["harga naik lagi", "mantap!", "the parcel never arrived", "biasa aja", "😭"]:
        assert restored.score(text) == scorer.score(text)
        assert restored.predict_proba_one(text) == scorer.predict_proba_one(text)
    scorer.learn("harga turun", "positive")
    restored.learn("harga turun", "positive")
    assert restored.to_dict() == scorer.to_dict()
    assert orjson.loads((tmp_path / "model" / MANIFEST).read_bytes())["n_learned"] == {"id": 18, "en": 6}


def test_dict_round_trip_through_json():
    scorer = _trained()
    restored = SentimentScorer.from_dict(orjson.loads(orjson.dumps(scorer.to_dict())))
    assert restored.score("sinyal hilang lagi") == scorer.score("sinyal hilang lagi")


def test_from_model_dir_falls_back_to_the_rules(tmp_path):
    assert SentimentScorer.from_model_dir(None).n_learned == {"id": 0, "en": 0}
    assert SentimentScorer.from_model_dir(tmp_path).n_learned == {"id": 0, "en": 0}
    _trained().save(tmp_path)
    assert SentimentScorer.from_model_dir(tmp_path).n_learned == {"id": 18, "en": 6}
    with pytest.raises(FileNotFoundError):
        SentimentScorer.load(tmp_path / "missing")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("version", 2, "version 2"),
        ("format", "something.else", "something.else"),
        ("lexicon_version", 0, "lexicon version 0"),
    ],
)
def test_incompatible_model_is_refused(tmp_path, key, value, message):
    _trained().save(tmp_path)
    for name in (MANIFEST, STATE):
        state = orjson.loads((tmp_path / name).read_bytes())
        state[key] = value
        (tmp_path / name).write_bytes(orjson.dumps(state))
    with pytest.raises(IncompatibleModelError, match=message):
        SentimentScorer.load(tmp_path)
    with pytest.raises(IncompatibleModelError, match="retrain"):
        SentimentScorer.from_model_dir(tmp_path)


def test_state_with_incompatible_version_is_refused_even_if_the_manifest_agrees(tmp_path):
    _trained().save(tmp_path)
    state = orjson.loads((tmp_path / STATE).read_bytes())
    state["version"] = 7
    (tmp_path / STATE).write_bytes(orjson.dumps(state))
    with pytest.raises(IncompatibleModelError, match="version 7"):
        SentimentScorer.load(tmp_path)


def test_garbage_manifest_is_refused(tmp_path):
    (tmp_path / MANIFEST).write_bytes(b"not json")
    with pytest.raises(IncompatibleModelError):
        SentimentScorer.load(tmp_path)


def test_clone_is_fresh_with_same_params():
    scorer = SentimentScorer(prior_scale=3.0, learning_rate=0.2)
    scorer.learn("harga naik lagi", "negative")
    clone = scorer.clone()
    assert clone.n_learned == {"id": 0, "en": 0}
    assert (clone.prior_scale, clone.learning_rate) == (3.0, 0.2)


def test_parameters_are_validated():
    with pytest.raises(ValueError):
        SentimentScorer(prior_scale=0)
    with pytest.raises(ValueError):
        SentimentScorer(mix_threshold=0.9)
