"""``siaga sentiment``: train, evaluate and label the bilingual sentiment models.

Labelled files are JSON Lines of ``{"text": ..., "label": "negative" | "neutral" | "positive"}`` (extra keys,
such as the ``post_id`` of a correction, are ignored), so the corrections ``label`` writes can be fed back to
``train``. ``--holdout FRACTION --seed N`` splits the rows of the given files (in the order given) the same
way in ``train`` (which skips the held-out rows) and ``eval`` (which scores only them), so a model can be
measured on rows it never saw.

Running workers learn online from the corrections on ``siaga.sentiment-feedback`` (``schemas/sentiment_feedback``):
``label`` without ``--from-file`` shows the most recent posts of ``siaga.posts`` and publishes each answer there,
and ``feedback`` publishes one correction from a script.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson
from river import metrics as river_metrics

from detectors.sentiment import LABELS, IncompatibleModelError, SentimentScorer
from schemas.errors import SchemaError
from schemas.sentiment_feedback import SentimentFeedback

if TYPE_CHECKING:
    from kafka import KafkaProducer

    from detectors.matching import SubjectMatcher
    from pipeline.config import Settings

__all__ = [
    "FeedbackPublisher",
    "evaluate_scorer",
    "holdout_split",
    "read_labelled",
    "read_recent_posts",
    "run_labelling",
    "sentiment",
]

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
    """Accuracy, macro-F1 (over the labels that occur) and per-label recall of (truth, prediction) pairs.

    River's metrics, all read from one confusion matrix.
    """
    matrix = river_metrics.ConfusionMatrix()
    for truth, predicted in pairs:
        matrix.update(truth, predicted)
    recall = {label: round(matrix[label][label] / matrix.sum_row[label], 4) if matrix.sum_row[label] else 0.0
              for label in LABELS}
    return {
        "n": len(pairs),
        "accuracy": round(river_metrics.Accuracy(cm=matrix).get(), 4),
        "macro_f1": round(river_metrics.MacroF1(cm=matrix).get(), 4),
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


def _ask(prompt: str) -> str:
    return str(click.prompt(prompt, default="", show_default=False))


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
              help="Normalized posts to label, one {\"id\", \"text\"} object per line (default: recent posts "
                   "from Kafka, with corrections published to the feedback topic).")
@click.option("--out", type=click.File("ab"),
              help="With --from-file: append corrections here as {\"post_id\", \"text\", \"label\"} lines "
                   "(usable by train).")
@click.option("--recent", type=click.IntRange(min=1), default=50, show_default=True,
              help="Kafka: how many of the most recent posts to show, newest first.")
@click.option("--subject", help="Kafka: only posts that mention this watchlist subject (its id).")
@click.option("--watchlist", type=click.Path(exists=True, dir_okay=False, path_type=Path), envvar="SIAGA_WATCHLIST",
              show_envvar=True, help="Kafka: the watchlist --subject is looked up in (default: the bundled example).")
@click.option("--scan", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Kafka, with --subject: posts read back per partition to find --recent matching ones.")
@click.option("--source", default="siaga-label", show_default=True, help="Kafka: who the corrections come from.")
@_model_dir_option
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after this many posts.")
def label(from_file: str | None, out: Any, recent: int, subject: str | None, watchlist: Path | None, scan: int,
          source: str, model_dir: str | None, limit: int | None) -> None:
    """Label recent posts from the terminal, to correct the sentiment models."""
    if (from_file is None) != (out is None):
        raise click.UsageError("--from-file and --out go together; without both, recent posts are read from Kafka "
                               "and corrections are published to the sentiment feedback topic")
    scorer = _load_scorer(model_dir)
    if from_file is not None:
        posts: Iterable[tuple[str, str]] = _read_posts(from_file)
        if limit is not None:
            posts = (post for _, post in zip(range(limit), posts, strict=False))

        def sink(correction: dict[str, str]) -> None:
            out.write(orjson.dumps(correction) + b"\n")
            out.flush()

        sent = run_labelling(posts, sink, scorer, ask=_ask, show=click.echo)
        click.echo(f"{sent} corrections written to {out.name}", err=True)
        return

    from pipeline.config import Settings

    settings = Settings.from_env()
    matcher = _subject_matcher(watchlist or settings.watchlist, subject) if subject else None
    found = read_recent_posts(settings, recent, matcher=matcher, scan=scan if matcher else recent)
    click.echo(f"{len(found)} recent posts from {settings.topics.posts}", err=True)
    with FeedbackPublisher(settings) as publisher:
        def publish(correction: dict[str, str]) -> None:
            publisher.publish(SentimentFeedback(label=correction["label"], post_id=correction["post_id"],
                                                text=correction["text"], source=source))

        sent = run_labelling(found[:limit] if limit else found, publish, scorer, ask=_ask, show=click.echo)
    click.echo(f"{sent} corrections published to {settings.topics.sentiment_feedback}", err=True)


@sentiment.command()
@click.option("--label", "label_", type=click.Choice(LABELS), required=True, help="The post's right sentiment.")
@click.option("--text", help="The post's text (what the workers learn from).")
@click.option("--post-id", help="The post's id; without --text, workers look its text up among recent posts.")
@click.option("--source", default="cli", show_default=True, help="Who the correction comes from.")
def feedback(label_: str, text: str | None, post_id: str | None, source: str) -> None:
    """Publish one sentiment correction to the feedback topic, for running workers to learn from."""
    from pipeline.config import Settings

    try:
        correction = SentimentFeedback(label=label_, post_id=post_id or None, text=text or None, source=source)
    except SchemaError as error:
        raise click.UsageError(f"{error}: pass --text, --post-id or both") from error
    settings = Settings.from_env()
    with FeedbackPublisher(settings) as publisher:
        publisher.publish(correction)
    click.echo(correction.to_json().decode())


class FeedbackPublisher:
    """Publish corrections to the sentiment feedback topic (kafka-python, ``acks=all``); a context manager."""

    def __init__(self, settings: Settings, producer: KafkaProducer | None = None) -> None:
        from kafka import KafkaProducer

        self.topic = settings.topics.sentiment_feedback
        self.published = 0
        self._producer = producer or KafkaProducer(
            client_id=f"{settings.app_id}-sentiment-feedback", acks="all", enable_idempotence=True,
            max_block_ms=10_000, **settings.kafka.kafka_python())

    def __enter__(self) -> FeedbackPublisher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def publish(self, correction: SentimentFeedback) -> None:
        """Send one correction and wait until the cluster has it."""
        key = correction.post_id.encode() if correction.post_id else None
        self._producer.send(self.topic, key=key, value=correction.to_json()).get(timeout=30)
        self.published += 1

    def close(self) -> None:
        """Flush and close the producer."""
        self._producer.flush()
        self._producer.close()


def read_recent_posts(settings: Settings, count: int, *, matcher: SubjectMatcher | None = None,
                      scan: int | None = None, timeout: float = 30.0) -> list[tuple[str, str]]:
    """``(post id, text)`` of the ``count`` most recent posts (newest first by event time) on the posts topic.

    Reads back ``scan`` records (default ``count``) from the end of every partition with a group-less
    kafka-python consumer; when ``matcher`` is given, keeps only posts it matches. Invalid records are skipped.
    """
    from kafka import KafkaConsumer, TopicPartition

    from schemas.post import Post

    topic = settings.topics.posts
    back = scan if scan is not None else count
    consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, **settings.kafka.kafka_python())
    posts: dict[str, Post] = {}
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            raise click.ClickException(f"topic {topic} does not exist on {settings.kafka.bootstrap_servers}")
        consumer.assign(partitions)
        ends = consumer.end_offsets(partitions)
        starts = consumer.beginning_offsets(partitions)
        pending = set()
        for tp in partitions:
            consumer.seek(tp, max(starts[tp], ends[tp] - back))
            if ends[tp] > starts[tp]:
                pending.add(tp)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    if record.offset >= ends[tp] - 1:
                        pending.discard(tp)
                    try:
                        post = Post.from_json(record.value or b"")
                    except SchemaError:
                        continue
                    if matcher is None or matcher.match(post):
                        posts[post.id] = post
    finally:
        consumer.close()
    newest = sorted(posts.values(), key=lambda post: post.created_at, reverse=True)[:count]
    return [(post.id, post.text) for post in newest]


def _subject_matcher(watchlist_path: Path, subject_id: str) -> SubjectMatcher:
    from detectors.matching import SubjectMatcher
    from schemas.watchlist import load_watchlist

    subjects = [subject for subject in load_watchlist(watchlist_path).subjects if subject.id == subject_id]
    if not subjects:
        raise click.BadParameter(f"no subject {subject_id!r} in {watchlist_path}", param_hint="--subject")
    return SubjectMatcher(subjects)


@sentiment.command()
@click.argument("texts", nargs=-1, required=True)
@_model_dir_option
def score(texts: tuple[str, ...], model_dir: str | None) -> None:
    """Print the label, score and language of each text as JSON lines."""
    scorer = _load_scorer(model_dir)
    for text in texts:
        result = scorer.score(text)
        sys.stdout.write(orjson.dumps({"text": text, **result._asdict()}).decode() + "\n")
