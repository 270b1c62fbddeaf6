"""``siaga sentiment``: train, evaluate and label the bilingual sentiment models.

Labelled files are JSON Lines of ``{"text": ..., "label": "negative" | "neutral" | "positive"}`` (extra keys,
such as the ``post_id`` of a correction, are ignored), so the corrections ``label`` writes can be fed back to
``train``. ``--holdout FRACTION --seed N`` splits the rows of the given files (in the order given) the same
way in ``train`` (which skips the held-out rows) and ``eval`` (which scores only them), so a model can be
measured on rows it never saw.
"""

from __future__ import annotations

import logging
import random
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import click
import orjson

from detectors.sentiment import LABELS, IncompatibleModelError, SentimentScorer

__all__ = ["evaluate_scorer", "holdout_split", "read_labelled", "run_labelling", "sentiment"]

logger = logging.getLogger(__name__)

MODEL_DIR_ENVVAR = "SIAGA_SENTIMENT_MODEL_DIR"
#: Keys an analyst presses in ``label``.
KEYS = {"n": "negative", "-": "negative", "u": "neutral", "0": "neutral", "p": "positive", "+": "positive"}


def read_labelled(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Rows of labelled JSONL files, in order; a bad line raises ``click.ClickException`` naming it."""
    rows = []
    for path in paths:
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    row = orjson.loads(line)
                    text, label = row["text"], row["label"]
                except (orjson.JSONDecodeError, KeyError, TypeError) as error:
                    raise click.ClickException(f"{path}:{number}: not a {{text, label}} object ({error})") from error
                if not isinstance(text, str) or label not in LABELS:
                    raise click.ClickException(f"{path}:{number}: label must be one of {LABELS}, got {label!r}")
                rows.append(row)
    return rows


def holdout_split(n_rows: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices of the training rows (in file order) and of a seeded random held-out ``fraction``.

    >>> train, held_out = holdout_split(10, 0.2, seed=0)
    >>> len(train), len(held_out), sorted(train + held_out) == list(range(10))
    (8, 2, True)
    >>> holdout_split(10, 0.2, seed=0) == (train, held_out)
    True
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"holdout fraction must be in [0, 1), got {fraction}")
    order = list(range(n_rows))
    random.Random(seed).shuffle(order)
    held_out = sorted(order[: round(n_rows * fraction)])
    excluded = set(held_out)
    return [i for i in range(n_rows) if i not in excluded], held_out


def _metrics(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class recall of (truth, prediction) pairs."""
    n = len(pairs)
    recall, f1 = {}, []
    for label in LABELS:
        tp = sum(1 for y, p in pairs if y == label and p == label)
        support = sum(1 for y, _ in pairs if y == label)
        predicted = sum(1 for _, p in pairs if p == label)
        r = tp / support if support else 0.0
        precision = tp / predicted if predicted else 0.0
        recall[label] = round(r, 4)
        f1.append(2 * precision * r / (precision + r) if precision + r else 0.0)
    return {
        "n": n,
        "accuracy": round(sum(1 for y, p in pairs if y == p) / n, 4) if n else 0.0,
        "macro_f1": round(sum(f1) / len(LABELS), 4),
        "recall": recall,
    }


def evaluate_scorer(scorer: SentimentScorer, rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Metrics of ``scorer`` on labelled rows, overall and per detected language.

    >>> report = evaluate_scorer(SentimentScorer(), [{"text": "enak banget", "label": "positive"},
    ...                                              {"text": "awful service", "label": "negative"}])
    >>> report["accuracy"], sorted(report["by_language"])
    (1.0, ['en', 'id'])
    """
    pairs: list[tuple[str, str]] = []
    by_language: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        result = scorer.score(row["text"])
        pair = (row["label"], result.label)
        pairs.append(pair)
        by_language.setdefault(result.lang, []).append(pair)
    report = _metrics(pairs)
    report["by_language"] = {lang: _metrics(by_language[lang]) for lang in sorted(by_language)}
    return report


def run_labelling(
    posts: Iterable[tuple[str, str]],
    sink: Callable[[dict[str, str]], None],
    scorer: SentimentScorer,
    ask: Callable[[str], str],
    show: Callable[[str], None],
) -> int:
    """Show each ``(post_id, text)`` with the model's label and send the analyst's label to ``sink``.

    ``ask(prompt)`` returns the analyst's answer: ``n``/``u``/``p`` (or ``-``/``0``/``+``) for negative, neutral
    or positive, an empty answer to confirm the suggestion, ``s`` to skip, ``q`` to stop. Each answer other
    than skip sends ``{"post_id", "text", "label"}``; returns how many were sent.

    >>> sent = []
    >>> answers = iter(["n", "", "s"])
    >>> run_labelling([("x:1", "harga naik lagi"), ("x:2", "mantap!"), ("x:3", "oke")], sent.append,
    ...               SentimentScorer(), lambda prompt: next(answers), lambda line: None)
    2
    >>> [(c["post_id"], c["label"]) for c in sent]
    [('x:1', 'negative'), ('x:2', 'positive')]
    """
    sent = 0
    for post_id, text in posts:
        suggestion = scorer.score(text)
        show(f"\n[{post_id}] ({suggestion.lang}) {text}")
        prompt = (f"model says {suggestion.label} ({suggestion.score:+.2f}); "
                  "[n]egative [u]neutral [p]ositive, Enter=agree, s=skip, q=quit")
        while True:
            answer = ask(prompt).strip().lower()
            if answer in ("q", "s") or answer in KEYS or not answer:
                break
            show("please answer n, u, p, Enter, s or q")
        if answer == "q":
            break
        if answer == "s":
            continue
        sink({"post_id": post_id, "text": text, "label": KEYS.get(answer, suggestion.label)})
        sent += 1
    return sent


def _load_scorer(model_dir: str | None) -> SentimentScorer:
    try:
        return SentimentScorer.from_model_dir(model_dir)
    except IncompatibleModelError as error:
        raise click.ClickException(str(error)) from error


def _read_posts(path: str) -> Iterator[tuple[str, str]]:
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                post = orjson.loads(line)
                yield str(post["id"]), post["text"]
            except (orjson.JSONDecodeError, KeyError, TypeError) as error:
                raise click.ClickException(f"{path}:{number}: not a normalized post ({error})") from error


_model_dir_option = click.option(
    "--model-dir", type=click.Path(file_okay=False), envvar=MODEL_DIR_ENVVAR, show_envvar=True,
    help="Directory of the saved sentiment model (none: the untrained rules).",
)
_holdout_option = click.option(
    "--holdout", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.0, show_default=True,
    help="Fraction of the rows held out of training (train) or scored alone (eval), chosen by --seed.",
)
_seed_option = click.option("--seed", type=int, default=0, show_default=True, help="Seed of the --holdout split.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def sentiment() -> None:
    """Train, evaluate and label the sentiment models."""


@sentiment.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--model-dir", type=click.Path(file_okay=False), envvar=MODEL_DIR_ENVVAR, show_envvar=True,
              required=True, help="Directory to save the model in (and to resume from, unless --fresh).")
@click.option("--fresh", is_flag=True, help="Start from the untrained rules, not from the model in --model-dir.")
@click.option("--epochs", type=click.IntRange(1, 20), default=1, show_default=True,
              help="Passes over the data; the first in file order, later ones in a seeded shuffle.")
@_holdout_option
@_seed_option
def train(files: tuple[str, ...], model_dir: str, fresh: bool, epochs: int, holdout: float, seed: int) -> None:
    """Warm-start the sentiment models from labelled JSONL files and save them."""
    rows = read_labelled(files)
    train_idx, held_out = holdout_split(len(rows), holdout, seed)
    scorer = SentimentScorer() if fresh else _load_scorer(model_dir)
    before = scorer.n_learned
    for epoch in range(epochs):
        order = train_idx if epoch == 0 else random.Random(seed + epoch).sample(train_idx, len(train_idx))
        for i in order:
            scorer.learn(rows[i]["text"], rows[i]["label"])
    scorer.save(model_dir)
    learned = {lang: n - before[lang] for lang, n in scorer.n_learned.items()}
    summary = {"model_dir": str(model_dir), "rows": len(rows), "trained_rows": len(train_idx),
               "held_out_rows": len(held_out), "epochs": epochs, "learned": learned, "total_learned": scorer.n_learned}
    click.echo(orjson.dumps(summary).decode())


@sentiment.command(name="eval")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@_model_dir_option
@_holdout_option
@_seed_option
def evaluate(files: tuple[str, ...], model_dir: str | None, holdout: float, seed: int) -> None:
    """Print accuracy, macro-F1 and per-class recall as JSON, overall and per language."""
    rows = read_labelled(files)
    if holdout:
        rows = [rows[i] for i in holdout_split(len(rows), holdout, seed)[1]]
    report = evaluate_scorer(_load_scorer(model_dir), rows)
    report["files"] = list(files)
    report["model_dir"] = model_dir
    click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())


@sentiment.command()
@click.option("--from-file", "from_file", type=click.Path(exists=True, dir_okay=False),
              help="Normalized posts to label, one {\"id\", \"text\"} object per line.")
@click.option("--out", type=click.File("ab"), required=True,
              help="Append corrections here as {\"post_id\", \"text\", \"label\"} lines (usable by train).")
@_model_dir_option
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after this many posts.")
def label(from_file: str | None, out: Any, model_dir: str | None, limit: int | None) -> None:
    """Label recent posts from the terminal, to correct the sentiment models."""
    if from_file is None:
        raise click.UsageError("reading recent posts from Kafka is not wired yet: pass --from-file posts.jsonl")
    posts: Iterable[tuple[str, str]] = _read_posts(from_file)
    if limit is not None:
        posts = (post for _, post in zip(range(limit), posts, strict=False))

    def sink(correction: dict[str, str]) -> None:
        out.write(orjson.dumps(correction) + b"\n")
        out.flush()

    sent = run_labelling(posts, sink, _load_scorer(model_dir),
                         ask=lambda prompt: click.prompt(prompt, default="", show_default=False),
                         show=click.echo)
    click.echo(f"{sent} corrections written to {out.name}", err=True)


@sentiment.command()
@click.argument("texts", nargs=-1, required=True)
@_model_dir_option
def score(texts: tuple[str, ...], model_dir: str | None) -> None:
    """Print the label, score and language of each text as JSON lines."""
    scorer = _load_scorer(model_dir)
    for text in texts:
        result = scorer.score(text)
        sys.stdout.write(orjson.dumps({"text": text, **result._asdict()}).decode() + "\n")
