"""Match posts to watched subjects: whole-word, case- and accent-insensitive, hashtag- and handle-aware.

Terms are indexed by their first word, so matching costs one dictionary look-up per word of the post whatever
the size of the watchlist.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from schemas.post import Post
from schemas.watchlist import Subject

__all__ = ["Match", "SubjectMatcher", "fold"]

_WORD = re.compile(r"[#@]?[\w][\w'’.-]*", re.UNICODE)
_TRAILING = ".-'’"


def fold(text: str) -> str:
    """Lower-case and strip accents, the form every comparison uses.

    >>> fold("Pelayanan BURUK di Café Ñusantara")
    'pelayanan buruk di cafe nusantara'
    """
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _words(text: str) -> list[str]:
    """Split folded text into words, hashtags (``#tag``) and handles (``@name``)."""
    return [word.rstrip(_TRAILING) for word in _WORD.findall(text)]


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
        self._phrases: dict[str, list[tuple[tuple[str, ...], str, str]]] = defaultdict(list)
        self._exclusions: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
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

    @staticmethod
    def _index(table: dict[str, list[tuple[tuple[str, ...], str, str]]], words: list[str], subject_id: str,
               label: str) -> None:
        if words:
            table[words[0]].append((tuple(words), subject_id, label))

    def match(self, post: Post) -> list[Match]:
        """Every subject ``post`` mentions, sorted by subject id; a subject's exclusion vetoes it."""
        words = _words(fold(post.text))
        words.extend("#" + fold(tag.lstrip("#")) for tag in post.hashtags)
        words.extend("@" + fold(handle.lstrip("@")) for handle in post.mentions)
        found: dict[str, set[str]] = {}
        excluded: set[str] = set()
        phrases, exclusions = self._phrases, self._exclusions
        for position, word in enumerate(words):
            candidates = phrases.get(word)
            if candidates is None and word[:1] == "#":
                candidates = phrases.get(word[1:])
            if candidates:
                for phrase, subject_id, label in candidates:
                    if len(phrase) == 1 or tuple(words[position:position + len(phrase)]) == phrase:
                        found.setdefault(subject_id, set()).add(label)
            vetoes = exclusions.get(word)
            if vetoes:
                for phrase, subject_id in vetoes:
                    if tuple(words[position:position + len(phrase)]) == phrase:
                        excluded.add(subject_id)
        official_of: list[str] = []
        if post.author.handle:
            official_of = self._officials.get(fold(post.author.handle.lstrip("@")), [])
            for subject_id in official_of:
                found.setdefault(subject_id, set()).add("@" + fold(post.author.handle.lstrip("@")))
        return [
            Match(subject_id=subject_id, matched=tuple(sorted(labels)), official=subject_id in official_of)
            for subject_id, labels in sorted(found.items())
            if subject_id not in excluded
        ]
