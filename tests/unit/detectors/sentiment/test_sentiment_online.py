"""Tests for detectors/sentiment/online.py: the hashed online logistic regression."""

import copy
import inspect

import orjson
import pytest

from detectors.sentiment.online import HashedLogisticRegression

EXAMPLES = [
    ({"w=enak": 1.0, "w=banget": 1.0}, "positive"),
    ({"w=basi": 1.0}, "negative"),
    ({"w=buka": 1.0, "w=jam": 1.0}, "neutral"),
    ({"w=mantap": 1.0}, "positive"),
    ({"w=lemot": 1.0, "w=banget": 1.0}, "negative"),
] * 4


def _trained(**params):
    model = HashedLogisticRegression(**params)
    for x, y in EXAMPLES:
        model.learn_one(x, y)
    return model


def test_learns_the_examples():
    model = _trained()
    assert all(model.predict_one(x) == y for x, y in EXAMPLES)
    assert model.n_learned == len(EXAMPLES)


def test_probabilities_sum_to_one():
    proba = _trained().predict_proba_one({"w=enak": 1.0, "w=unknown": 1.0})
    assert set(proba) == {"negative", "neutral", "positive"}
    assert sum(proba.values()) == pytest.approx(1.0)


def test_offset_is_added_but_not_learned():
    model = HashedLogisticRegression()
    assert model.predict_one({"w=x": 1.0}, offset=(3.0, 0.0, 0.0)) == "negative"
    for _ in range(5):
        model.learn_one({"w=x": 1.0}, "positive", offset=(3.0, 0.0, 0.0))
    assert model.predict_one({"w=x": 1.0}, offset=(3.0, 0.0, 0.0)) == "positive"


def test_input_is_not_mutated():
    model = HashedLogisticRegression()
    x = {"w=a": 1.0, "w=b": 0.5}
    before = copy.deepcopy(x)
    model.learn_one(x, "positive")
    model.predict_proba_one(x)
    assert x == before


def test_same_data_order_gives_same_model():
    assert _trained().to_dict() == _trained().to_dict()


def test_round_trip_gives_identical_predictions_and_learning():
    model = _trained()
    restored = HashedLogisticRegression.from_dict(orjson.loads(orjson.dumps(model.to_dict())))
    probe = {"w=enak": 1.0, "w=lemot": 1.0}
    assert restored.predict_proba_one(probe) == model.predict_proba_one(probe)
    model.learn_one(probe, "neutral")
    restored.learn_one(probe, "neutral")
    assert restored.to_dict() == model.to_dict()


def test_other_format_version_is_refused():
    state = _trained().to_dict()
    state["version"] = 99
    with pytest.raises(ValueError, match="format version 99"):
        HashedLogisticRegression.from_dict(state)


def test_params_match_signature_and_clone_is_fresh():
    model = _trained(n_bits=12, learning_rate=0.3, l2=0.001)
    for name in inspect.signature(HashedLogisticRegression).parameters:
        assert hasattr(model, name)
    clone = model.clone()
    assert clone.n_learned == 0 and clone.n_bits == 12 and clone.learning_rate == 0.3
    assert clone.predict_proba_one({"w=enak": 1.0})["positive"] == pytest.approx(1 / 3)


def test_memory_is_bounded_by_the_hash_space():
    model = HashedLogisticRegression(n_bits=8)
    for i in range(3000):
        model.learn_one({f"w=word{i}": 1.0}, "positive" if i % 2 else "negative")
    assert len(model.to_dict()["buckets"]) <= 2**8


def test_unknown_label_and_bad_params_are_refused():
    with pytest.raises(ValueError, match="unknown label"):
        HashedLogisticRegression().learn_one({"w=a": 1.0}, "angry")
    with pytest.raises(ValueError):
        HashedLogisticRegression(classes=("a",))
    with pytest.raises(ValueError):
        HashedLogisticRegression(n_bits=0)
    with pytest.raises(ValueError):
        HashedLogisticRegression(learning_rate=0)
