"""The hand-written record validators and the JSON Schema files downstream teams read must agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import CrisisEvent, Mention, Post, SchemaError, Sentiment, Watchlist
from schemas.post import KINDS, PLATFORMS

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


POST = _validator("post")
MENTION = _validator("mention")
EVENT = _validator("crisis_event")
WATCHLIST = _validator("watchlist")

#: Text as it can reach a record: decoded from UTF-8, so never a lone surrogate.
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)
optional_count = st.none() | st.integers(min_value=0, max_value=10**9)
native_ids = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), blacklist_characters="\x85"),
                     min_size=1, max_size=30)


@st.composite
def posts(draw: st.DrawFn) -> Post:
    platform = draw(st.sampled_from(sorted(PLATFORMS)))
    record: dict[str, Any] = {
        "schema_version": 1,
        "id": f"{platform}:{draw(native_ids)}",
        "platform": platform,
        "author": {"id": draw(native_ids), "handle": draw(st.none() | text),
                   "followers": draw(optional_count), "verified": draw(st.booleans())},
        "text": draw(text),
        "created_at": "2026-03-02T08:00:00.125+07:00",
        "kind": draw(st.sampled_from(sorted(KINDS))),
        "hashtags": draw(st.lists(text, max_size=5)),
        "engagement": {"likes": draw(st.integers(0, 10**6)), "views": draw(optional_count)},
    }
    return Post.from_dict(record)


@settings(max_examples=200, deadline=None)
@given(posts())
def test_every_post_the_record_writes_is_valid_for_the_schema_and_round_trips(post: Post) -> None:
    document = orjson.loads(post.to_json())
    POST.validate(document)
    assert Post.from_json(post.to_json()) == post


@settings(max_examples=100, deadline=None)
@given(posts(), st.sampled_from(["negative", "neutral", "positive"]), st.floats(-1, 1))
def test_every_mention_is_valid_for_its_schema(post: Post, label: str, score: float) -> None:
    mention = Mention.from_post(post, "subject-1", matched=("x",), sentiment=Sentiment(label, score), lang="id")
    MENTION.validate(orjson.loads(mention.to_json()))
    assert Mention.from_json(mention.to_json()) == mention


#: Ids the records refuse that python-jsonschema cannot: an id must start with its own platform (a rule between two
#: fields, which JSON Schema cannot state), and python's ``re.search`` lets ``$`` match before a final newline
#: where the ECMA-262 regexes the spec prescribes do not.
PYTHON_SCHEMA_BLIND_SPOTS = {"x:1\n", "facebook:1"}

VALID = {"schema_version": 1, "id": "x:1", "platform": "x", "author": {"id": "x:u"}, "text": "hai",
         "created_at": "2026-03-02T01:00:00Z"}


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"id": None}, "id", "missing_field"),
        ({"id": "x:1\n"}, "id", "invalid_value"),
        ({"id": "x:1 2"}, "id", "invalid_value"),
        ({"id": "facebook:1"}, "id", "invalid_value"),
        ({"platform": "myspace", "id": "myspace:1"}, "platform", "unknown_platform"),
        ({"author": {"id": "x:u", "followers": -3}}, "author.followers", "invalid_value"),
        ({"author": {"id": "x:u", "followers": "12"}}, "author.followers", "wrong_type"),
        ({"author": {"id": "x:u", "followers": True}}, "author.followers", "wrong_type"),
        ({"text": 5}, "text", "wrong_type"),
        ({"text": "x" * 70_000}, "text", "too_large"),
        ({"created_at": "2026-03-02 01:00:00"}, "created_at", "invalid_value"),
        ({"created_at": "yesterday"}, "created_at", "invalid_value"),
        ({"kind": "story"}, "kind", "invalid_value"),
        ({"hashtags": "#a"}, "hashtags", "wrong_type"),
        ({"surprise": 1}, "surprise", "invalid_value"),
        ({"schema_version": 2}, "schema_version", "invalid_value"),
    ],
)
def test_invalid_posts_are_refused_by_both_with_the_field_named(change: dict[str, Any], field: str,
                                                                  reason: str) -> None:
    record = {**VALID, **change}
    record = {key: value for key, value in record.items() if value is not None}
    with pytest.raises(SchemaError) as refused:
        Post.from_dict(record)
    assert (refused.value.field, refused.value.reason) == (field, reason)
    assert field.split(".")[0] in str(refused.value)
    if record.get("id") not in PYTHON_SCHEMA_BLIND_SPOTS:
        assert not POST.is_valid(record)


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"\xff\xfe{}", "invalid_utf8"), (b"{", "invalid_json"), (b"[]", "not_an_object"),
     (b'{"a": "' + b"x" * 2_000_000 + b'"}', "too_large")],
)
def test_undecodable_input_gets_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SchemaError) as refused:
        Post.from_json(data)
    assert refused.value.reason == reason


def test_an_event_envelope_is_valid_cloudevents_json_and_deterministic() -> None:
    data = {"incident_id": "pln:20260302T010000Z", "subject_id": "pln", "subject_name": "PLN", "severity": "critical",
            "incident_start": "2026-03-02T01:00:00Z", "window": {"start": "2026-03-02T01:01:00Z",
                                                                 "end": "2026-03-02T01:02:00Z"},
            "score": 0.9, "threshold": 0.5}
    one = CrisisEvent.create("siaga.crisis.onset", "pln", incident_start=1772413200.0, time=1772413320.0, data=data)
    two = CrisisEvent.create("siaga.crisis.onset", "pln", incident_start=1772413200.0, time=1772413320.0,
                             data=dict(reversed(list(data.items()))))
    EVENT.validate(orjson.loads(one.to_json()))
    assert one.to_json() == two.to_json()
    assert one.id == "siaga:pln:20260302T010000Z:onset"


def test_the_example_watchlist_is_valid_for_its_schema() -> None:
    import tomllib

    path = Path(__file__).resolve().parents[3] / "pipeline" / "data" / "watchlist.example.toml"
    raw = tomllib.loads(path.read_text())
    WATCHLIST.validate(raw)
    watchlist = Watchlist.from_dict(raw)
    assert watchlist["bank-nusantara"].team == "customer-care"
    assert watchlist["telko-merdeka"].team == "comms"


@pytest.mark.parametrize(
    ("subjects", "message"),
    [
        ([{"id": "A", "name": "A", "terms": ["a"]}], "lower-case"),
        ([{"id": "a", "name": "A"}], "at least one term"),
        ([{"id": "a", "name": "A", "terms": ["a"]}, {"id": "a", "name": "B", "terms": ["b"]}], "appears twice"),
        ([{"id": "a", "name": "A", "terms": ["a"], "sensitivity": "paranoid"}], "sensitivity"),
    ],
)
def test_bad_watchlists_are_refused_with_a_reason(subjects: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        Watchlist.from_dict({"subjects": subjects})
