"""Tests for pipeline/cli/sentiment.py: ``siaga sentiment train|eval|label|score``."""

import orjson
import pytest
from click.testing import CliRunner

from detectors.sentiment import Sentiment, SentimentScorer
from pipeline.cli.sentiment import evaluate_scorer, holdout_split, run_labelling, sentiment

ROWS = [
    {"text": "harga naik lagi", "label": "negative"},
    {"text": "sinyal hilang dari pagi", "label": "negative"},
    {"text": "cabang baru buka di bandung", "label": "neutral"},
    {"text": "mantap, cepat banget prosesnya", "label": "positive"},
    {"text": "the parcel never arrived", "label": "negative"},
    {"text": "delivery was on time, great job", "label": "positive"},
]


def _jsonl(path, rows):
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return str(path)


def test_train_saves_a_model_that_eval_and_the_worker_load(tmp_path):
    data = _jsonl(tmp_path / "train.jsonl", ROWS * 3)
    runner = CliRunner()
    result = runner.invoke(sentiment, ["train", data, "--model-dir", str(tmp_path / "model")])
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.output)
    assert summary["trained_rows"] == 18 and summary["learned"] == {"id": 12, "en": 6}
    assert SentimentScorer.from_model_dir(tmp_path / "model").score("harga naik lagi").label == "negative"

    again = runner.invoke(sentiment, ["train", data, "--model-dir", str(tmp_path / "model")])
    assert orjson.loads(again.output)["total_learned"] == {"id": 24, "en": 12}  # resumes by default
    fresh = runner.invoke(sentiment, ["train", data, "--model-dir", str(tmp_path / "model"), "--fresh"])
    assert orjson.loads(fresh.output)["total_learned"] == {"id": 12, "en": 6}


def test_eval_prints_metrics_overall_and_per_language(tmp_path):
    data = _jsonl(tmp_path / "eval.jsonl", ROWS)
    result = CliRunner().invoke(sentiment, ["eval", data])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.output)
    assert report["n"] == 6
    assert {"accuracy", "macro_f1", "recall", "by_language"} <= set(report)
    assert set(report["recall"]) == {"negative", "neutral", "positive"}
    assert set(report["by_language"]) == {"id", "en"}
    assert report["by_language"]["en"]["n"] == 2


class _FirstWordScorer:
    """Predicts the label written as the text's first word."""

    def score(self, text: str) -> Sentiment:
        return Sentiment(text.split()[0], 0.0, "id")


def test_eval_figures_follow_from_the_confusion_matrix():
    rows = [{"text": "negative a", "label": "negative"}, {"text": "neutral b", "label": "negative"},
            {"text": "positive c", "label": "positive"}, {"text": "positive d", "label": "neutral"}]
    report = evaluate_scorer(_FirstWordScorer(), rows)  # type: ignore[arg-type]
    assert report["accuracy"] == 0.5
    assert report["recall"] == {"negative": 0.5, "neutral": 0.0, "positive": 1.0}
    # F1: negative 2/3 (precision 1, recall 1/2), neutral 0, positive 2/3 (precision 1/2, recall 1)
    assert report["macro_f1"] == round(4 / 9, 4)


def test_holdout_is_excluded_from_train_and_scored_alone_in_eval(tmp_path):
    data = _jsonl(tmp_path / "data.jsonl", ROWS * 5)
    runner = CliRunner()
    args = ["--holdout", "0.2", "--seed", "3"]
    trained = orjson.loads(runner.invoke(sentiment, ["train", data, "--model-dir", str(tmp_path / "m"), *args]).output)
    assert (trained["trained_rows"], trained["held_out_rows"]) == (24, 6)
    report = orjson.loads(runner.invoke(sentiment, ["eval", data, "--model-dir", str(tmp_path / "m"), *args]).output)
    assert report["n"] == 6
    train, held_out = holdout_split(30, 0.2, 3)
    assert not set(train) & set(held_out)


def test_bad_rows_are_reported_with_their_line(tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_bytes(b'{"text": "ok", "label": "positive"}\n{"text": "x", "label": "angry"}\n')
    result = CliRunner().invoke(sentiment, ["eval", str(data)])
    assert result.exit_code != 0
    assert "bad.jsonl:2" in result.output


def test_incompatible_model_is_a_clear_error(tmp_path):
    SentimentScorer().save(tmp_path)
    manifest = orjson.loads((tmp_path / "manifest.json").read_bytes())
    manifest["version"] = 99
    (tmp_path / "manifest.json").write_bytes(orjson.dumps(manifest))
    data = _jsonl(tmp_path / "eval.jsonl", ROWS)
    result = CliRunner().invoke(sentiment, ["eval", data, "--model-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "version 99" in result.output and "retrain" in result.output


def test_label_from_file_writes_corrections_usable_by_train(tmp_path):
    posts = _jsonl(tmp_path / "posts.jsonl", [{"id": "x:1", "text": "harga naik lagi"},
                                              {"id": "x:2", "text": "mantap!"},
                                              {"id": "x:3", "text": "oke"}])
    out = tmp_path / "corrections.jsonl"
    result = CliRunner().invoke(sentiment, ["label", "--from-file", posts, "--out", str(out)], input="n\n\nq\n")
    assert result.exit_code == 0, result.output
    corrections = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert corrections == [{"post_id": "x:1", "text": "harga naik lagi", "label": "negative"},
                           {"post_id": "x:2", "text": "mantap!", "label": "positive"}]
    trained = CliRunner().invoke(sentiment, ["train", str(out), "--model-dir", str(tmp_path / "m")])
    assert trained.exit_code == 0, trained.output


def test_label_without_a_source_explains_itself(tmp_path):
    result = CliRunner().invoke(sentiment, ["label", "--out", str(tmp_path / "c.jsonl")])
    assert result.exit_code == 2
    assert "--from-file" in result.output


def test_run_labelling_reprompts_on_unknown_answers():
    sent, shown = [], []
    answers = iter(["x", "p", "q"])
    count = run_labelling([("a", "biasa aja"), ("b", "ga jelas")], sent.append, SentimentScorer(),
                          ask=lambda prompt: next(answers), show=shown.append)
    assert count == 1 and sent[0]["label"] == "positive"
    assert any("please answer" in line for line in shown)


def test_score_prints_label_score_and_language():
    result = CliRunner().invoke(sentiment, ["score", "kecewa parah", "great service"])
    lines = [orjson.loads(line) for line in result.output.splitlines()]
    assert [(line["label"], line["lang"]) for line in lines] == [("negative", "id"), ("positive", "en")]


@pytest.mark.parametrize("fraction", [-0.1, 1.0])
def test_holdout_fraction_is_validated(fraction):
    with pytest.raises(ValueError):
        holdout_split(10, fraction, 0)
