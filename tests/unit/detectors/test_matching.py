"""Subject matching: whole words, case and accents ignored, hashtags, handles, exclusions, official accounts."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors.matching import _WORD, SubjectMatcher, _occurs, fold
from detectors.text import TEXT_CACHE_CHARS, TEXT_CACHE_SIZE
from schemas.post import Author, Post
from schemas.watchlist import Subject

SUBJECTS = [
    Subject(id="bank-nusantara", name="Bank Nusantara", terms=("bank nusantara", "banknus"),
            hashtags=("BankNusantara",), handles=("banknusantara",), official_handles=("banknusantara_cs",),
            exclude=("nusantara fc",)),
    Subject(id="pln", name="PLN", terms=("pln", "listrik padam")),
    Subject(id="cafe", name="Café Ñusantara", terms=("café ñusantara",)),
]
MATCHER = SubjectMatcher(SUBJECTS)


def _match(text: str, *, hashtags: tuple[str, ...] = (), mentions: tuple[str, ...] = (),
           author: str | None = None) -> dict[str, tuple[str, ...]]:
    post = Post(id="x:1", platform="x", author=Author(id="x:a", handle=author), text=text, created_at=0.0,
                hashtags=hashtags, mentions=mentions)
    return {match.subject_id: match.matched for match in MATCHER.match(post)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BANK NUSANTARA error lagi", {"bank-nusantara": ("bank nusantara",)}),
        ("bank   nusantara, kenapa?", {"bank-nusantara": ("bank nusantara",)}),
        ("banknusantara123 bukan", {}),
        ("bankn bukan banknus.", {"bank-nusantara": ("banknus",)}),
        ("Listrik padam, PLN!", {"pln": ("listrik padam", "pln")}),
        ("plnku rusak", {}),
        ("ngopi di cafe nusantara", {"cafe": ("cafe nusantara",)}),
        ("CAFÉ ÑUSANTARA buka", {"cafe": ("cafe nusantara",)}),
    ],
)
def test_terms_match_whole_words_ignoring_case_and_accents(text: str, expected: dict[str, tuple[str, ...]]) -> None:
    assert _match(text) == expected


def test_hashtags_and_handles_match_in_text_and_in_the_post_fields() -> None:
    assert _match("kenapa #banknusantara down") == {"bank-nusantara": ("#banknusantara",)}
    assert _match("tolong @BankNusantara") == {"bank-nusantara": ("@banknusantara",)}
    assert _match("down lagi", hashtags=("BankNusantara",)) == {"bank-nusantara": ("#banknusantara",)}
    assert _match("down lagi", mentions=("@banknusantara",)) == {"bank-nusantara": ("@banknusantara",)}
    assert _match("#pln mati") == {"pln": ("pln",)}


def test_one_post_can_mention_several_subjects() -> None:
    assert set(_match("PLN padam, bank nusantara juga error")) == {"pln", "bank-nusantara"}


def test_an_exclusion_vetoes_only_its_own_subject() -> None:
    assert _match("Bank Nusantara sponsor Nusantara FC, PLN juga") == {"pln": ("pln",)}


def test_posts_by_an_official_account_match_and_are_marked_official() -> None:
    post = Post(id="x:2", platform="x", author=Author(id="x:cs", handle="@BankNusantara_CS"),
                text="Mohon maaf atas gangguannya", created_at=0.0)
    [match] = MATCHER.match(post)
    assert (match.subject_id, match.official) == ("bank-nusantara", True)
    assert not any(m.official for m in MATCHER.match(
        Post(id="x:3", platform="x", author=Author(id="x:u"), text="bank nusantara", created_at=0.0)))


def test_matching_cost_does_not_grow_with_the_watchlist() -> None:
    many = [Subject(id=f"s{i}", name=f"S{i}", terms=(f"merek{i}", f"produk {i} baru")) for i in range(10_000)]
    matcher = SubjectMatcher(many)
    post = Post(id="x:9", platform="x", author=Author(id="u"), text="merek9999 dan produk 5 baru", created_at=0.0)
    assert [m.subject_id for m in matcher.match(post)] == ["s5", "s9999"]


def reference_match(matcher: SubjectMatcher, post: Post) -> list[tuple[str, tuple[str, ...], bool]]:
    """The matcher before its per-word table: phrases and exclusions looked up word by word for every post."""
    words = _WORD.findall(fold(post.text))
    words.extend("#" + fold(tag.lstrip("#")) for tag in post.hashtags)
    words.extend("@" + fold(handle.lstrip("@")) for handle in post.mentions)
    phrases, exclusions = matcher._phrases, matcher._exclusions
    keys = frozenset([*phrases, *("#" + word for word in phrases), *exclusions])
    found: dict[str, set[str]] = {}
    excluded: set[str] = set()
    for word in keys.intersection(words):
        candidates = phrases.get(word)
        if candidates is None and word[:1] == "#":
            candidates = phrases.get(word[1:])
        for phrase, subject_id, label in candidates or []:
            if len(phrase) == 1 or _occurs(words, word, phrase):
                found.setdefault(subject_id, set()).add(label)
        for phrase, subject_id in exclusions.get(word) or []:
            if _occurs(words, word, phrase):
                excluded.add(subject_id)
    official_of: list[str] = []
    if post.author.handle:
        folded = fold(post.author.handle.lstrip("@"))
        official_of = matcher._officials.get(folded, [])
        for subject_id in official_of:
            found.setdefault(subject_id, set()).add("@" + folded)
    return [(subject_id, tuple(sorted(labels)), subject_id in official_of)
            for subject_id, labels in sorted(found.items()) if subject_id not in excluded]


VOCABULARY = ["bank", "nusantara", "banknus", "Bank", "NUSANTARA", "fc", "FC", "pln", "PLN", "listrik", "padam",
              "café", "CAFÉ", "ñusantara", "cafe", "#BankNusantara", "#pln", "#PLN", "@banknusantara", "@BankNus",
              "@banknusantara_cs", "lagi", "error", "e.g.", "x-y", "don't", "’", ".", "-", ",", "!", "#", "@", "ẞ",
              "İstanbul", "ﬁ"]
words = st.sampled_from(VOCABULARY) | st.text(max_size=6)


@given(st.lists(words, max_size=12), st.lists(st.text(max_size=3), max_size=6),
       st.lists(st.sampled_from(["BankNusantara", "#pln", "pln", "x", "#"]), max_size=3),
       st.lists(st.sampled_from(["banknusantara", "@BankNusantara", "@pln", "y"]), max_size=3),
       st.sampled_from([None, "", "@BankNusantara_CS", "banknusantara_cs", "BANKNUSANTARA_CS", "user", "@"]))
def test_matching_agrees_with_the_word_by_word_reference(
    tokens: list[str], separators: list[str], hashtags: list[str], mentions: list[str], handle: str | None,
) -> None:
    text = "".join(token + (separators[i % len(separators)] if separators else " ") for i, token in enumerate(tokens))
    post = Post(id="x:1", platform="x", author=Author(id="x:a", handle=handle), text=text, created_at=0.0,
                hashtags=tuple(hashtags), mentions=tuple(mentions))
    expected = reference_match(MATCHER, post)
    assert MATCHER.find(post) == expected
    assert [(m.subject_id, m.matched, m.official) for m in MATCHER.match(post)] == expected


@given(st.text(alphabet="aZé9_ '’.-#@\u0301😀日\t", max_size=24))
def test_the_word_pattern_finds_what_the_backtracking_pattern_found(text: str) -> None:
    # _WORD is written with possessive runs for speed; it must split exactly like the plain definition
    assert _WORD.findall(text) == re.findall(r"[#@]?\w(?:[\w'’.-]*\w)?", text)


@given(st.lists(words, max_size=12),
       st.lists(st.tuples(st.lists(st.sampled_from(["BankNusantara", "#pln", "nusantara"]), max_size=2),
                          st.lists(st.sampled_from(["@BankNusantara", "pln", "fc"]), max_size=2)),
                min_size=2, max_size=4))
def test_a_remembered_text_matches_like_a_fresh_one_whatever_its_hashtags_and_mentions(
    tokens: list[str], tags: list[tuple[list[str], list[str]]],
) -> None:
    text = " ".join(tokens)
    matcher = SubjectMatcher(SUBJECTS)  # a fresh cache: the first post splits the text, the others reuse it
    for hashtags, mentions in tags:
        post = Post(id="x:1", platform="x", author=Author(id="x:a"), text=text, created_at=0.0,
                    hashtags=tuple(hashtags), mentions=tuple(mentions))
        assert matcher.find(post) == reference_match(matcher, post)


def test_long_texts_match_without_being_remembered() -> None:
    matcher = SubjectMatcher(SUBJECTS)
    text = "pln padam " + "lagi " * TEXT_CACHE_CHARS
    post = Post(id="x:1", platform="x", author=Author(id="x:a"), text=text, created_at=0.0)
    assert matcher.find(post) == reference_match(matcher, post) == [("pln", ("pln",), False)]
    assert matcher._cached_text_words.cache_info().currsize == 0
    assert matcher._cached_text_words.cache_info().maxsize == TEXT_CACHE_SIZE
