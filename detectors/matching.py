"""Match posts to watched subjects: whole-word, case- and accent-insensitive, hashtag- and handle-aware.

Terms are indexed by their first word, so matching costs one dictionary look-up per word of the post whatever
the size of the watchlist.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from detectors.text import cached_by_text
from schemas.post import Post
from schemas.watchlist import Subject

__all__ = ["Match", "SubjectMatcher", "fold"]

# A word, hashtag or handle: inner apostrophes, dots and hyphens are kept, trailing ones are not (it ends on \w).
# Written as runs of word characters joined by runs of those marks, with possessive quantifiers: the same matches
# as ``[#@]?\w(?:[\w'’.-]*\w)?``, found without backtracking to the last word character.
_WORD = re.compile(r"[#@]?\w++(?:['’.-]++\w++)*+", re.UNICODE)
#: :data:`_WORD` for ASCII text (the common case), where the ASCII ``\w`` is the Unicode one and cheaper to test.
_ASCII_WORD = re.compile(_WORD.pattern, re.ASCII)


def fold(text: str) -> str:
    """Lower-case and strip accents, the form every comparison uses.

    >>> fold("Pelayanan BURUK di Café Ñusantara")
    'pelayanan buruk di cafe nusantara'
    """
    text = text.casefold()
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).translate(_MARKS)


class _CombiningMarks(dict[int, int | None]):
    """A ``str.translate`` table that drops combining marks, filled as characters are first seen."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_MARKS = _CombiningMarks()

#: Phrases a word may start: (the phrase's words, subject id, label); and exclusions: (words, subject id).
_Phrases = list[tuple[tuple[str, ...], str, str]]
_Vetoes = list[tuple[tuple[str, ...], str]]


def _words(text: str) -> list[str]:
    """Split folded text into words, hashtags (``#tag``) and handles (``@name``)."""
    return _WORD.findall(text)


@dataclass(frozen=True, slots=True)
class Match:
    """One subject a post mentions, what matched, and whether the author is the subject's own account."""

    subject_id: str
    matched: tuple[str, ...]
    official: bool


class SubjectMatcher:
    """Find every watched subject a post mentions.

    >>> from schemas.post import Author, Post
    >>> from schemas.watchlist import Subject
    >>> matcher = SubjectMatcher([
    ...     Subject(id="pln", name="PLN", terms=("pln", "listrik padam"), hashtags=("PLNMati",)),
    ...     Subject(id="bri", name="BRI", terms=("bri",), handles=("bankbri_id",), exclude=("bri fc",)),
    ... ])
    >>> post = Post(id="x:1", platform="x", author=Author(id="u"), created_at=0.0,
    ...             text="Listrik PADAM lagi, @BankBRI_ID juga error #plnmati")
    >>> [(m.subject_id, m.matched) for m in matcher.match(post)]
    [('bri', ('@bankbri_id',)), ('pln', ('#plnmati', 'listrik padam'))]
    >>> matcher.match(Post(id="x:2", platform="x", author=Author(id="u"), created_at=0.0, text="BRI FC menang"))
    []
    >>> matcher.match(Post(id="x:3", platform="x", author=Author(id="u"), created_at=0.0, text="pelnas"))
    []
    """

    def __init__(self, subjects: Iterable[Subject]) -> None:
        self.subjects = tuple(subjects)
        self._phrases: dict[str, _Phrases] = defaultdict(list)
        self._exclusions: dict[str, _Vetoes] = defaultdict(list)
        self._officials: dict[str, list[str]] = defaultdict(list)
        for subject in self.subjects:
            for term in subject.terms:
                self._index(self._phrases, _words(fold(term)), subject.id, fold(term))
            for tag in subject.hashtags:
                folded = "#" + fold(tag)
                self._phrases[folded].append(((folded,), subject.id, folded))
            for handle in subject.handles + subject.official_handles:
                folded = "@" + fold(handle)
                self._phrases[folded].append(((folded,), subject.id, folded))
            for phrase in subject.exclude:
                words = tuple(_words(fold(phrase)))
                if words:
                    self._exclusions[words[0]].append((words, subject.id))
            for handle in subject.official_handles:
                self._officials[fold(handle)].append(subject.id)
        # every word that can start a phrase or an exclusion (a hashtag also matches its plain term), with the
        # phrases it may start and the exclusions it may start, looked up once here rather than for every post
        self._starts: dict[str, tuple[_Phrases, _Vetoes]] = {}
        for word in [*self._phrases, *("#" + word for word in self._phrases), *self._exclusions]:
            candidates = self._phrases.get(word)
            if candidates is None and word[:1] == "#":
                candidates = self._phrases.get(word[1:])
            self._starts[word] = (candidates or [], self._exclusions.get(word, []))
        self._keys = frozenset(self._starts)
        self._cached_text_words = cached_by_text(self._text_words)

    def _text_words(self, text: str) -> tuple[tuple[str, ...], frozenset[str]]:
        """The words of ``text`` (folded), and those among them that may start a phrase or an exclusion."""
        folded = text.casefold()
        words = tuple(_ASCII_WORD.findall(folded) if folded.isascii() else _WORD.findall(fold(text)))
        return words, self._keys.intersection(words)

    @staticmethod
    def _index(table: dict[str, _Phrases], words: list[str], subject_id: str, label: str) -> None:
        if words:
            table[words[0]].append((tuple(words), subject_id, label))

    def match(self, post: Post) -> list[Match]:
        """Every subject ``post`` mentions, sorted by subject id; a subject's exclusion vetoes it."""
        return [Match(subject_id, matched, official) for subject_id, matched, official in self.find(post)]

    def find(self, post: Post) -> list[tuple[str, tuple[str, ...], bool]]:
        """:meth:`match` as plain ``(subject_id, matched, official)`` tuples, the cheapest form per post."""
        text = post.text
        words: Sequence[str]
        words, starting = self._cached_text_words(text)
        if post.hashtags or post.mentions:
            tagged = ["#" + fold(tag.lstrip("#")) for tag in post.hashtags]
            tagged.extend("@" + fold(handle.lstrip("@")) for handle in post.mentions)
            words = [*words, *tagged]
            starting = starting.union(self._keys.intersection(tagged))
        found: dict[str, set[str]] = {}
        excluded: set[str] = set()
        starts = self._starts
        for word in starting:
            candidates, vetoes = starts[word]
            for phrase, subject_id, label in candidates:
                if len(phrase) == 1 or _occurs(words, word, phrase):
                    labels = found.get(subject_id)
                    if labels is None:
                        found[subject_id] = {label}
                    else:
                        labels.add(label)
            for phrase, subject_id in vetoes:
                if _occurs(words, word, phrase):
                    excluded.add(subject_id)
        official_of: list[str] = []
        handle = post.author.handle
        if handle and self._officials:
            handle = handle.lstrip("@")
            folded = handle.casefold()
            if not folded.isascii():
                folded = fold(handle)
            official_of = self._officials.get(folded, [])
            for subject_id in official_of:
                found.setdefault(subject_id, set()).add("@" + folded)
        if not found:
            return []
        if len(found) == 1 and not excluded:  # the common case, without the sorting
            [(subject_id, labels)] = found.items()
            matched = tuple(labels) if len(labels) == 1 else tuple(sorted(labels))
            return [(subject_id, matched, subject_id in official_of)]
        return [
            (subject_id, tuple(sorted(labels)), subject_id in official_of)
            for subject_id, labels in sorted(found.items())
            if subject_id not in excluded
        ]


def _occurs(words: Sequence[str], first: str, phrase: tuple[str, ...]) -> bool:
    """True when ``phrase`` starts at some position of ``words`` that holds ``first``."""
    size = len(phrase)
    position = words.index(first)
    while True:
        if tuple(words[position:position + size]) == phrase:
            return True
        try:
            position = words.index(first, position + 1)
        except ValueError:
            return False
