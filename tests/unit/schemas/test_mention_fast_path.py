"""``Mention.from_dict`` takes a shortcut for plainly valid records; it must agree with the field-by-field checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemas.mention import Mention

_VALID: dict[str, Any] = {
    "schema_version": 1, "post_id": "x:1", "subject_id": "bank-bri", "platform": "x", "url": "https://x.com/u/1",
    "author_id": "x:u1", "author_handle": "u1", "followers": 10, "reach": 12, "text": "BRImo error lagi",
    "lang": "id", "sentiment": {"label": "negative", "score": -0.5}, "created_at": "2026-01-05T08:00:00+07:00",
    "ingested_at": "2026-01-05T01:00:01.250Z", "kind": "reply", "hashtags": ["BRI"], "matched": ["bri"],
    "official": False,
}
_ODD_VALUES = [None, True, False, 0, 1, 1.0, -1, -0.5, 2.0, float("nan"), "", "x", "post", "negative",
               "2026-01-05T01:00:00Z", "2026-01-05T01:00:00", [], ["a"], [1], ["a" * 257], ["a" * 513],
               ["a"] * 257, {}, {"label": "neutral", "score": 0}, {"label": "neutral"}, "a" * 600, "a" * 5000]


def _outcome(build: Callable[[dict[str, Any]], Mention], record: dict[str, Any]) -> Mention | tuple[str, str]:
    try:
        return build(record)
    except Exception as error:
        return (type(error).__name__, str(error))


def test_the_fast_mention_path_builds_or_refuses_exactly_like_the_full_checks() -> None:
    records = [dict(_VALID), {"schema_version": 1, "post_id": "x:1", "subject_id": "s", "platform": "x",
                              "author_id": "x:u1", "text": "", "created_at": "2026-01-05T01:00:00Z"}]
    for key in [*_VALID, "extra"]:
        records.append({k: v for k, v in _VALID.items() if k != key})
        records.extend({**_VALID, key: value} for value in _ODD_VALUES)
    for key in ["label", "score", "extra"]:
        records.extend({**_VALID, "sentiment": {**_VALID["sentiment"], key: value}} for value in _ODD_VALUES)
    accepted = 0
    for record in records:
        fast, checked = _outcome(Mention.from_dict, record), _outcome(Mention._checked, record)
        assert fast == checked, record
        if isinstance(fast, Mention):
            assert all(type(getattr(fast, name)) is type(getattr(checked, name)) for name in Mention.__slots__)
            accepted += 1
    assert 0 < accepted < len(records)


def test_a_mention_round_trips_through_json_on_the_fast_path() -> None:
    mention = Mention.from_dict(_VALID)
    assert Mention.from_json(mention.to_json()) == mention
    assert mention.sentiment is not None and mention.sentiment.score == -0.5
