"""A fast online linear classifier over hashed sparse features: multinomial logistic regression by SGD.

River's text classifiers pay for general-purpose sparse algebra on every post; a post has a few dozen
features, so plain Python dicts are faster here. Feature names are hashed (CRC-32, stable across processes,
unlike ``hash``) into ``2 ** n_bits`` buckets, and only buckets that were ever updated are stored, so memory
stays bounded on an endless stream of new words. Each ``learn_one`` is one SGD step on the cross-entropy,
with a per-bucket AdaGrad step size so frequent words settle and rare ones still learn fast.

A caller may pass ``offset``, fixed logits added before the softmax: the sentiment scorer puts its lexicon's
opinion there, so an untrained model repeats the lexicon and learning corrects it where it is wrong.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from typing import Any

__all__ = ["HashedLogisticRegression"]

FORMAT_VERSION = 1
#: Feature names whose bucket is remembered, so frequent words are not hashed again on every post.
_BUCKET_CACHE_SIZE = 1 << 17


class HashedLogisticRegression:
    """Multinomial logistic regression on hashed features, learned one example at a time.

    Parameters
    ----------
    classes
        The labels, in the order of the logits (and of any ``offset``).
    n_bits
        Features are hashed into ``2 ** n_bits`` buckets.
    learning_rate
        AdaGrad's base step size.
    l2
        L2 penalty applied to the weights a step touches.

    Examples
    --------
    >>> model = HashedLogisticRegression(classes=("negative", "neutral", "positive"))
    >>> model.predict_proba_one({"enak": 1.0})
    {'negative': 0.333..., 'neutral': 0.333..., 'positive': 0.333...}
    >>> for _ in range(3):
    ...     model.learn_one({"enak": 1.0}, "positive")
    ...     model.learn_one({"basi": 1.0}, "negative")
    >>> model.predict_one({"enak": 1.0}), model.predict_one({"basi": 1.0})
    ('positive', 'negative')
    >>> model.predict_proba_one({"enak": 1.0})["positive"] > 0.5
    True

    An offset biases the logits without being learned:

    >>> model.predict_one({"pesan": 1.0}, offset=(0.0, 0.0, 2.0))
    'positive'

    """

    def __init__(
        self,
        classes: Sequence[str] = ("negative", "neutral", "positive"),
        n_bits: int = 20,
        learning_rate: float = 0.5,
        l2: float = 0.0,
    ):
        if len(classes) < 2 or len(set(classes)) != len(classes):
            raise ValueError(f"classes must be at least two distinct labels, got {classes!r}")
        if not 1 <= n_bits <= 30:
            raise ValueError(f"n_bits must be in [1, 30], got {n_bits}")
        if learning_rate <= 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate}")
        if l2 < 0:
            raise ValueError(f"l2 must be non-negative, got {l2}")
        self.classes = tuple(classes)
        self.n_bits = n_bits
        self.learning_rate = learning_rate
        self.l2 = l2
        self._mask = (1 << n_bits) - 1
        self._index = {label: k for k, label in enumerate(self.classes)}
        self._buckets: dict[str, int] = {}
        self._weights: dict[int, list[float]] = {}
        self._sq_grads: dict[int, float] = {}
        self._bias = [0.0] * len(self.classes)
        self._bias_sq_grad = 0.0
        self.n_learned = 0

    def _hash(self, x: dict[str, float]) -> list[tuple[int, float]]:
        buckets, mask = self._buckets, self._mask
        hashed = []
        for name, value in x.items():
            if not value:
                continue
            bucket = buckets.get(name)
            if bucket is None:
                bucket = zlib.crc32(name.encode()) & mask
                if len(buckets) < _BUCKET_CACHE_SIZE:
                    buckets[name] = bucket
            hashed.append((bucket, value))
        return hashed

    def _logits(self, hashed: list[tuple[int, float]], offset: Sequence[float] | None) -> list[float]:
        logits = list(self._bias) if offset is None else [b + o for b, o in zip(self._bias, offset, strict=True)]
        get = self._weights.get
        for bucket, value in hashed:
            w = get(bucket)
            if w is not None:
                for k in range(len(logits)):
                    logits[k] += w[k] * value
        return logits

    @staticmethod
    def _softmax(logits: list[float]) -> list[float]:
        top = max(logits)
        exps = [math.exp(z - top) for z in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def _predict_logits(self, x: dict[str, float], offset: Sequence[float] | None) -> list[float]:
        """``_logits(_hash(x), offset)`` in one loop, unrolled for three classes: the per-post prediction path."""
        if len(self.classes) != 3:
            return self._logits(self._hash(x), offset)
        z0, z1, z2 = self._bias if offset is None else [b + o for b, o in zip(self._bias, offset, strict=True)]
        buckets, get, mask, crc = self._buckets, self._weights.get, self._mask, zlib.crc32
        for name, value in x.items():
            bucket = buckets.get(name)
            if bucket is None:
                bucket = crc(name.encode()) & mask
            w = get(bucket)
            if w is not None:
                z0 += w[0] * value
                z1 += w[1] * value
                z2 += w[2] * value
        return [z0, z1, z2]

    def predict_proba_one(self, x: dict[str, float], offset: Sequence[float] | None = None) -> dict[str, float]:
        """Probability of each class given features ``x`` (name -> value) and optional fixed logits."""
        probas = self._softmax(self._predict_logits(x, offset))
        return dict(zip(self.classes, probas, strict=True))

    def predict_one(self, x: dict[str, float], offset: Sequence[float] | None = None) -> str:
        """The most probable class (the first in ``classes`` on a tie)."""
        logits = self._predict_logits(x, offset)
        return self.classes[logits.index(max(logits))]

    def learn_one(self, x: dict[str, float], y: str, offset: Sequence[float] | None = None) -> None:
        """One AdaGrad step on the cross-entropy of example ``x`` with label ``y``."""
        if y not in self._index:
            raise ValueError(f"unknown label {y!r}; expected one of {self.classes}")
        hashed = self._hash(x)
        probas = self._softmax(self._logits(hashed, offset))
        grads = list(probas)
        grads[self._index[y]] -= 1.0
        self.n_learned += 1
        squared = sum(g * g for g in grads)
        if not squared:
            return
        lr, l2, n = self.learning_rate, self.l2, len(grads)
        self._bias_sq_grad += squared
        step = lr / math.sqrt(self._bias_sq_grad)
        self._bias = [b - step * g for b, g in zip(self._bias, grads, strict=True)]
        weights, sq_grads = self._weights, self._sq_grads
        for bucket, value in hashed:
            w_bucket = weights.get(bucket)
            if w_bucket is None:
                w_bucket = weights[bucket] = [0.0] * n
            acc = sq_grads.get(bucket, 0.0) + squared * value * value
            sq_grads[bucket] = acc
            step = lr / math.sqrt(acc)
            for k in range(n):
                w_bucket[k] -= step * (grads[k] * value + l2 * w_bucket[k])

    def clone(self) -> HashedLogisticRegression:
        """A fresh, untrained model with the same parameters."""
        return HashedLogisticRegression(self.classes, self.n_bits, self.learning_rate, self.l2)

    def to_dict(self) -> dict[str, Any]:
        """Parameters and learned state as orjson-ready plain values, with a ``"version"`` key."""
        buckets = sorted(self._weights)
        return {
            "version": FORMAT_VERSION,
            "params": {"classes": list(self.classes), "n_bits": self.n_bits,
                       "learning_rate": self.learning_rate, "l2": self.l2},
            "n_learned": self.n_learned,
            "bias": list(self._bias),
            "bias_sq_grad": self._bias_sq_grad,
            "buckets": buckets,
            "weights": [self._weights[b] for b in buckets],
            "sq_grads": [self._sq_grads[b] for b in buckets],
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> HashedLogisticRegression:
        """Restore a model saved by ``to_dict``; raises ``ValueError`` on another format version."""
        if state.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"HashedLogisticRegression state has format version {state.get('version')!r}; "
                f"this code reads version {FORMAT_VERSION}"
            )
        params = state["params"]
        model = cls(tuple(params["classes"]), params["n_bits"], params["learning_rate"], params["l2"])
        model.n_learned = state["n_learned"]
        model._bias = [float(b) for b in state["bias"]]
        model._bias_sq_grad = float(state["bias_sq_grad"])
        buckets = [int(b) for b in state["buckets"]]
        model._weights = {b: [float(v) for v in w] for b, w in zip(buckets, state["weights"], strict=True)}
        model._sq_grads = {b: float(g) for b, g in zip(buckets, state["sq_grads"], strict=True)}
        return model
