"""Terms for explanations: the tokenizer's pattern."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from detectors.text import _TOKEN


@given(st.text(alphabet="ahtpsw:/.#@_-'’9xé\u0301😀日 ", max_size=24))
def test_the_token_pattern_finds_what_the_backtracking_pattern_found(text: str) -> None:
    # _TOKEN's word group is possessive for speed; it must tokenize exactly like the plain definition
    plain = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|([^\W_]+(?:['’\-][^\W_]+)*)")
    assert _TOKEN.findall(text) == plain.findall(text)
