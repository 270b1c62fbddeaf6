"""Property tests: whatever bytes or JSON reach a normalizer, only a well-formed SchemaError escapes.

Three kinds of input per normalizer: arbitrary JSON values, arbitrary bytes (and text), and the documented
fixtures with one subtree replaced by an arbitrary JSON value, which reaches the code behind the envelope checks.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest.normalizers import ITEM_NORMALIZERS, NORMALIZERS
from schemas.errors import REJECTION_REASONS, SchemaError
from schemas.post import Post

FIXTURES = Path(__file__).parent / "normalizers" / "fixtures"
FIXTURE_DIRS = {"x": "x", "mastodon": "mastodon", "bluesky": "bluesky", "reddit": "reddit", "youtube": "youtube",
                "facebook": "facebook", "instagram": "instagram", "tiktok": "tiktok", "json_export": "export"}
TEXT_FIXTURES = {"rss": "rss/news.xml", "atom": "rss/atom.xml", "csv_export": "export/brandwatch.csv"}
#: One format name per distinct function ("atom" is "rss", "instagram" is "facebook").
DISTINCT = sorted({function: name for name, function in sorted(NORMALIZERS.items(), reverse=True)}.values())
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)


@functools.cache
def _json_fixtures(format_name: str) -> list[Any]:
    folder = FIXTURES / FIXTURE_DIRS[format_name]
    return [orjson.loads(path.read_bytes()) for path in sorted(folder.glob("*.json"))]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated_fixture(draw: st.DrawFn, format_name: str) -> Any:
    document = copy.deepcopy(draw(st.sampled_from(_json_fixtures(format_name))))
    path = draw(st.sampled_from(_paths(document)))
    replacement = draw(json_values)
    if not path:
        return replacement
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return document


def _dumps(value: Any) -> bytes:
    """JSON bytes of a value; integers beyond 64 bits (which JSON decoders refuse) become a bare number."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return b"18446744073709551616"


def _check_error(error: SchemaError) -> None:
    assert error.reason in REJECTION_REASONS
    assert str(error).strip() and error.problem.strip()


def _check_post(post: Post) -> None:
    assert isinstance(post, Post)
    assert Post.from_json(post.to_json()) == post


def check_normalizers(format_name: str, payload: Any) -> None:
    """Per-item results are Posts that survive a JSON round trip or well-formed errors; the all-or-nothing
    normalizer agrees with them."""
    try:
        results = list(ITEM_NORMALIZERS[format_name](payload))
    except SchemaError as error:
        _check_error(error)
        with pytest.raises(SchemaError):
            NORMALIZERS[format_name](payload)
        return
    for result in results:
        if isinstance(result, SchemaError):
            _check_error(result)
        else:
            _check_post(result)
    errors = [result for result in results if isinstance(result, SchemaError)]
    if errors:
        with pytest.raises(SchemaError):
            NORMALIZERS[format_name](payload)
    else:
        assert NORMALIZERS[format_name](payload) == results


@pytest.mark.parametrize("format_name", DISTINCT)
@FUZZ
@given(payload=json_values)
def test_arbitrary_json_values(format_name: str, payload: Any) -> None:
    check_normalizers(format_name, payload)
    check_normalizers(format_name, _dumps(payload))


@pytest.mark.parametrize("format_name", DISTINCT)
@FUZZ
@given(payload=st.binary(max_size=512) | st.text(max_size=256))
def test_arbitrary_bytes_and_text(format_name: str, payload: bytes | str) -> None:
    check_normalizers(format_name, payload)


@pytest.mark.parametrize("format_name", sorted(FIXTURE_DIRS))
@FUZZ
@given(data=st.data())
def test_mutated_documented_payloads(format_name: str, data: st.DataObject) -> None:
    payload = data.draw(mutated_fixture(format_name))
    check_normalizers(format_name, payload)
    check_normalizers(format_name, _dumps(payload))


@pytest.mark.parametrize("format_name", sorted(TEXT_FIXTURES))
@FUZZ
@given(data=st.data())
def test_mutated_documents_as_text(format_name: str, data: st.DataObject) -> None:
    document = (FIXTURES / TEXT_FIXTURES[format_name]).read_text(encoding="utf-8")
    start = data.draw(st.integers(0, len(document)))
    end = data.draw(st.integers(start, min(len(document), start + 40)))
    payload = document[:start] + data.draw(st.text(max_size=40)) + document[end:]
    check_normalizers(format_name, payload)
    check_normalizers(format_name, payload.encode("utf-8", "surrogatepass"))
