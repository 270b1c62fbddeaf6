"""The SentimentFeedback: an analyst's (or a script's) correction of one post's sentiment label."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from schemas import _checks as check
from schemas.errors import SchemaError
from schemas.mention import SENTIMENT_LABELS
from schemas.post import MAX_TEXT_CHARS

__all__ = ["SentimentFeedback"]

SCHEMA_VERSION = 1
#: A correction is small; anything bigger than a post's text plus its keys is not one.
MAX_FEEDBACK_BYTES = 4 * MAX_TEXT_CHARS + 4096
_FIELDS = frozenset({"schema_version", "post_id", "text", "label", "source"})


@dataclass(frozen=True, slots=True)
class SentimentFeedback:
    """One correction (``schemas/sentiment_feedback.schema.json``) on ``siaga.sentiment-feedback``.

    It names the post by ``text``, by ``post_id`` or both; a worker learns from ``text`` when it is given and
    otherwise looks the text up among the posts it enriched recently, so send the text whenever you have it.

    >>> feedback = SentimentFeedback(label="negative", text="harga naik lagi", source="analyst")
    >>> SentimentFeedback.from_json(feedback.to_json()) == feedback
    True
    >>> SentimentFeedback.from_json(b'{"post_id": "x:1", "label": "angry"}')
    Traceback (most recent call last):
    ...
    schemas.errors.SchemaError: label: 'angry' is not one of negative, neutral, positive
    >>> SentimentFeedback.from_json(b'{"label": "neutral"}')
    Traceback (most recent call last):
    ...
    schemas.errors.SchemaError: text: is missing (give text, post_id or both)
    """

    label: str
    post_id: str | None = None
    text: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        check.choice(self.label, "label", SENTIMENT_LABELS)
        if not self.post_id and not self.text:
            raise SchemaError("text", "is missing (give text, post_id or both)", "missing_field")

    @classmethod
    def from_json(cls, data: bytes | str) -> SentimentFeedback:
        """Decode and validate one JSON document; raises :class:`SchemaError` naming the field."""
        record = check.load_object(data, MAX_FEEDBACK_BYTES)
        check.no_extra_keys(record, _FIELDS, "")
        version = record.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION or isinstance(version, bool):
            raise SchemaError("schema_version", f"must be {SCHEMA_VERSION}, got {version!r}")
        return cls(
            label=check.choice(check.get(record, "label", "label"), "label", SENTIMENT_LABELS),
            post_id=check.optional_string(record.get("post_id", check.MISSING), "post_id", 512) or None,
            text=check.optional_string(record.get("text", check.MISSING), "text", MAX_TEXT_CHARS) or None,
            source=check.optional_string(record.get("source", check.MISSING), "source", 128) or None,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form, as the schema file describes it."""
        return {"schema_version": SCHEMA_VERSION, "post_id": self.post_id, "text": self.text, "label": self.label,
                "source": self.source}

    def to_json(self) -> bytes:
        """Serialize with orjson."""
        return orjson.dumps(self.to_dict())
