"""Terms for explanations: the tokenizer's pattern."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from detectors.text import _TOKEN, TEXT_CACHE_CHARS, TEXT_CACHE_SIZE, distinct_terms, terms


@given(st.text(alphabet="ahtpsw:/.#@_-'’9xé\u0301😀日 ", max_size=24))
def test_the_token_pattern_finds_what_the_backtracking_pattern_found(text: str) -> None:
    # _TOKEN's word group is possessive for speed; it must tokenize exactly like the plain definition
    plain = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|([^\W_]+(?:['’\-][^\W_]+)*)")
    assert _TOKEN.findall(text) == plain.findall(text)


@given(st.text(alphabet="ab cd-'’#@:/.9é😀", max_size=40), st.integers(min_value=0, max_value=600))
def test_distinct_terms_are_the_terms_without_repeats_for_short_and_long_texts(text: str, padding: int) -> None:
    padded = text + " zz" * padding  # past the cached length too ("zz" is too short to be a term)
    for sample in (text, padded, text):  # the second short call is answered from the cache
        assert distinct_terms(sample) == tuple(dict.fromkeys(terms(sample)))


def test_distinct_terms_remember_a_bounded_number_of_texts() -> None:
    assert len(" ".join(["kata"] * 200)) > TEXT_CACHE_CHARS
    assert distinct_terms.cache_info().maxsize == TEXT_CACHE_SIZE
