"""The composed sentiment scorer: language id, a rule-based start per language, and online models on top.

For each post the scorer

1. identifies the language (``"id"``, ``"en"`` or ``"other"``, see ``LanguageIdentifier``);
2. scores it with the rules of that language: Siaga's Indonesian lexicon, or VADER for English; a code-mixed
   post (the minority language holds at least ``mix_threshold`` of the evidence) blends both by share;
3. turns that compound score into fixed logits (the *prior*: positive above the language's positive
   threshold, negative below minus its negative threshold, neutral between) and adds the logits of the
   language's ``HashedLogisticRegression`` over word unigrams, bigrams and the compound score.

Untrained, the online models add nothing and the scorer gives the rules' verdict. Each ``learn`` (from a
training file or an analyst's correction) moves the model of the post's language, so the scorer drifts from
the rules exactly where labelled posts show them wrong. Posts in other languages (Javanese, Sundanese, ...)
share the Indonesian rules and model, which also know emoji and common English words.

Saved models are a directory holding ``manifest.json`` (format name and version, lexicon version) and
``state.json``; a model saved by another format or lexicon version is refused with ``IncompatibleModelError``.
"""

from __future__ import annotations

import itertools
import math
import os
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from detectors.sentiment.english import EnglishVader
from detectors.sentiment.language import LanguageIdentifier
from detectors.sentiment.lexicon_id import LEXICON_VERSION, IndonesianLexicon
from detectors.sentiment.online import HashedLogisticRegression
from detectors.sentiment.tokens import tokenize
from detectors.text import cached_by_text

__all__ = ["LABELS", "IncompatibleModelError", "Sentiment", "SentimentScorer"]

LABELS = ("negative", "neutral", "positive")
FORMAT = "siaga.sentiment"
#: Bump when the features, their hashing, the prior or ``THRESHOLDS`` change: saved weights would be misread.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
STATE = "state.json"
#: Languages with their own rules and online model; any other language is scored as Indonesian.
MODEL_LANGUAGES = ("id", "en")
#: (positive threshold, negative threshold) on the rules' compound score, per language. Neutral posts often
#: carry mild courtesy words ("please", "enjoy", "terima kasih") but rarely negative ones, hence the asymmetry.
#: Chosen on the NusaX *train* files (macro-F1), never on the validation files that are reported.
THRESHOLDS = {"id": (0.4, 0.05), "en": (0.5, 0.05)}


class Sentiment(NamedTuple):
    """A post's sentiment: ``label`` in ``LABELS``, ``score`` in [-1, 1] (P(positive) - P(negative)) and
    ``lang`` in ``"id"``, ``"en"``, ``"other"``."""

    label: str
    score: float
    lang: str


class IncompatibleModelError(ValueError):
    """A saved sentiment model was written by an incompatible version of Siaga and cannot be used."""


class SentimentScorer:
    """Bilingual (Indonesian, English, code-mixed) sentiment that starts from rules and learns online.

    Parameters
    ----------
    prior_scale
        How strongly the rules' compound score speaks in the logits; larger needs more examples to overrule.
    mix_threshold
        Share of the minority language from which a post is scored as code-mixed with both rule sets.
    n_bits
        Each online model hashes features into ``2 ** n_bits`` buckets.
    learning_rate
        Base step size of the online models.

    Examples
    --------
    >>> scorer = SentimentScorer()
    >>> scorer.score("Pelayanannya lemot bgt, kecewa parah 😡")
    Sentiment(label='negative', score=-0.9..., lang='id')
    >>> scorer.score("Makanannya enak banget, mantap!").label
    'positive'
    >>> scorer.score("The app keeps crashing, worst update ever").label
    'negative'
    >>> scorer.score("Kantor cabang buka jam 9 pagi").label
    'neutral'

    It learns from corrections, one post at a time:

    >>> scorer.score("harga naik lagi").label
    'neutral'
    >>> for _ in range(3):
    ...     scorer.learn("harga naik lagi", "negative")
    >>> scorer.score("harga naik lagi").label
    'negative'

    """

    def __init__(
        self,
        prior_scale: float = 4.0,
        mix_threshold: float = 0.3,
        n_bits: int = 20,
        learning_rate: float = 0.5,
    ):
        if prior_scale <= 0:
            raise ValueError(f"prior_scale must be positive, got {prior_scale}")
        if not 0 < mix_threshold <= 0.5:
            raise ValueError(f"mix_threshold must be in (0, 0.5], got {mix_threshold}")
        self.prior_scale = prior_scale
        self.mix_threshold = mix_threshold
        self.n_bits = n_bits
        self.learning_rate = learning_rate
        self._language = LanguageIdentifier()
        self._indonesian = IndonesianLexicon()
        self._english = EnglishVader()
        self._models = {
            lang: HashedLogisticRegression(LABELS, n_bits=n_bits, learning_rate=learning_rate)
            for lang in MODEL_LANGUAGES
        }
        # Judgements of recent texts: a repost or a copied complaint repeats its text, and scoring is most of the
        # cost of a post. ``learn`` changes the models, so it forgets them all.
        self._judged = cached_by_text(self._judge)

    # -- scoring ---------------------------------------------------------------------------------------------

    def _analyse(self, text: str) -> tuple[str, str, dict[str, float], tuple[float, float, float]]:
        """Language, model language, features and prior logits of a post."""
        tokens = tokenize(text)
        lang, mix = self._language.predict_tokens(tokens)
        words = self._indonesian.normalise(tokens)
        model_lang = "en" if lang == "en" else "id"
        compound = self._english.score_one(text) if model_lang == "en" else 0.0
        if model_lang == "id" or mix >= self.mix_threshold:
            indonesian = self._indonesian.score_words(words, text.count("!"))
            if model_lang == "id":
                compound = indonesian
                if mix >= self.mix_threshold:
                    compound = _blend(indonesian, self._english.score_one(text), mix)
            else:
                compound = _blend(compound, indonesian, mix)
        positive, negative = THRESHOLDS[model_lang]
        scale = self.prior_scale
        prior = (scale * (-compound - negative), 0.0, scale * (compound - positive))
        return lang, model_lang, _features(words, compound), prior

    def predict_proba_one(self, text: str) -> dict[str, float]:
        """Probability of each label for a post."""
        _, model_lang, x, prior = self._analyse(text)
        return self._models[model_lang].predict_proba_one(x, prior)

    def score(self, text: str) -> Sentiment:
        """Label, score in [-1, 1] and language of a post (remembered for recent texts until the next ``learn``)."""
        return self._judged(text)

    def _judge(self, text: str) -> Sentiment:
        lang, model_lang, x, prior = self._analyse(text)
        proba = self._models[model_lang].predict_proba_one(x, prior)
        label = max(LABELS, key=proba.__getitem__)
        return Sentiment(label, proba["positive"] - proba["negative"], lang)

    def learn(self, text: str, label: str) -> None:
        """Update the model of the post's language with one labelled post (a training row or a correction)."""
        if label not in LABELS:
            raise ValueError(f"unknown sentiment label {label!r}; expected one of {LABELS}")
        _, model_lang, x, prior = self._analyse(text)
        self._models[model_lang].learn_one(x, label, prior)
        self.clear_cache()

    def clear_cache(self) -> None:
        """Forget the remembered judgements: the next ``score`` of any text judges it anew."""
        self._judged.cache_clear()

    def predict_one(self, text: str) -> str:
        """The post's label (``score(text).label``)."""
        return self.score(text).label

    learn_one = learn

    @property
    def n_learned(self) -> dict[str, int]:
        """How many labelled posts each language's model has learned from."""
        return {lang: model.n_learned for lang, model in self._models.items()}

    def clone(self) -> SentimentScorer:
        """A fresh, untrained scorer with the same parameters."""
        return SentimentScorer(self.prior_scale, self.mix_threshold, self.n_bits, self.learning_rate)

    # -- persistence -----------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Parameters and learned state as orjson-ready plain values, with format and lexicon versions.

        >>> state = SentimentScorer().to_dict()
        >>> state["format"], state["version"], sorted(state["models"])
        ('siaga.sentiment', 1, ['en', 'id'])
        """
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "lexicon_version": LEXICON_VERSION,
            "params": {"prior_scale": self.prior_scale, "mix_threshold": self.mix_threshold,
                       "n_bits": self.n_bits, "learning_rate": self.learning_rate},
            "models": {lang: model.to_dict() for lang, model in self._models.items()},
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> SentimentScorer:
        """Restore a scorer from ``to_dict``; raises ``IncompatibleModelError`` if another version wrote it.

        >>> state = SentimentScorer().to_dict()
        >>> state["version"] = 0
        >>> SentimentScorer.from_dict(state)
        Traceback (most recent call last):
        ...
        detectors.sentiment.scorer.IncompatibleModelError: sentiment model format 'siaga.sentiment' version 0 ...
        """
        _check_compatible(state, "state")
        scorer = cls(**state["params"])
        try:
            models = {lang: HashedLogisticRegression.from_dict(model) for lang, model in state["models"].items()}
        except (KeyError, TypeError, ValueError) as error:
            raise IncompatibleModelError(f"sentiment model state is malformed: {error}") from error
        if set(models) != set(MODEL_LANGUAGES):
            raise IncompatibleModelError(
                f"sentiment model has languages {sorted(models)}, expected {sorted(MODEL_LANGUAGES)}"
            )
        scorer._models = models
        return scorer

    def save(self, model_dir: str | os.PathLike[str]) -> Path:
        """Write the scorer to ``model_dir`` (created if needed), replacing files atomically; returns the dir."""
        directory = Path(model_dir)
        directory.mkdir(parents=True, exist_ok=True)
        state = self.to_dict()
        manifest = {key: state[key] for key in ("format", "version", "lexicon_version")}
        manifest["n_learned"] = self.n_learned
        manifest["files"] = [STATE]
        _write_atomic(directory / STATE, orjson.dumps(state))
        _write_atomic(directory / MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        return directory

    @classmethod
    def load(cls, model_dir: str | os.PathLike[str]) -> SentimentScorer:
        """Read a scorer saved by ``save``.

        Raises ``FileNotFoundError`` when ``model_dir`` holds no model and ``IncompatibleModelError`` when
        the model was saved by an incompatible version.
        """
        directory = Path(model_dir)
        manifest_path = directory / MANIFEST
        if not manifest_path.is_file():
            raise FileNotFoundError(f"no sentiment model in {directory} (missing {MANIFEST})")
        try:
            manifest = orjson.loads(manifest_path.read_bytes())
        except orjson.JSONDecodeError as error:
            raise IncompatibleModelError(f"{manifest_path} is not a sentiment model manifest: {error}") from error
        _check_compatible(manifest, str(manifest_path))
        return cls.from_dict(orjson.loads((directory / STATE).read_bytes()))

    @classmethod
    def from_model_dir(cls, model_dir: str | os.PathLike[str] | None) -> SentimentScorer:
        """The scorer saved in ``model_dir``, or an untrained one if ``model_dir`` is None or holds no model."""
        if model_dir is None or not (Path(model_dir) / MANIFEST).is_file():
            return cls()
        return cls.load(model_dir)


def _blend(major: float, minor: float, share: float) -> float:
    """Weighted mean of the two languages' compound scores, ignoring one that found nothing."""
    if not minor:
        return major
    if not major:
        return minor
    return (1.0 - share) * major + share * minor


def _features(words: list[str], compound: float) -> dict[str, float]:
    """Unigram and bigram indicators scaled to unit norm, plus the rules' compound score split by sign."""
    names = [f"w={word}" for word in words]
    names.extend(f"b={first}_{second}" for first, second in itertools.pairwise(words))
    x = dict.fromkeys(names, 1.0)  # a dict, not a set: its order, and so the model, is the same every run
    value = 1.0 / math.sqrt(len(x)) if x else 0.0
    for name in x:
        x[name] = value
    if compound > 0:
        x["rules+"] = compound
    elif compound < 0:
        x["rules-"] = -compound
    return x


def _check_compatible(header: dict[str, Any], where: str) -> None:
    fmt, version, lexicon = header.get("format"), header.get("version"), header.get("lexicon_version")
    if fmt != FORMAT or version != FORMAT_VERSION:
        raise IncompatibleModelError(
            f"sentiment model format {fmt!r} version {version!r} in {where} cannot be read by this Siaga, "
            f"which reads {FORMAT!r} version {FORMAT_VERSION}; retrain it with `siaga sentiment train`"
        )
    if lexicon != LEXICON_VERSION:
        raise IncompatibleModelError(
            f"sentiment model in {where} was trained on Indonesian lexicon version {lexicon!r}, but this Siaga "
            f"ships version {LEXICON_VERSION}; its weights would be misread: retrain it with `siaga sentiment train`"
        )


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory, so readers never see half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
