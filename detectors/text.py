"""Terms for explanations: lower-case words of a post without links, handles, hashtags, numbers or stopwords.

This tokenizer serves the "what are people saying" part of an alert, not sentiment: it keeps words that can carry
a story ("bocor", "refund", "outage") and drops function words of Indonesian and English, emoji, and tokens
shorter than three characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol, TypeVar

__all__ = ["STOPWORDS", "TEXT_CACHE_CHARS", "TEXT_CACHE_SIZE", "TextFunction", "cached_by_text", "distinct_terms",
           "terms"]

T_co = TypeVar("T_co", covariant=True)

# Links, handles and hashtags are matched (so their letters never become words) and then dropped; the group
# captures words: letters and digits with inner hyphens or apostrophes. ``[^\W_]`` is a letter or digit in any
# script, so emoji and punctuation never match. The word's quantifiers are possessive: nothing after them could
# use a character they give back, so they find the same words without keeping backtracking points (faster).
_TOKEN = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|([^\W_]++(?:['’\-][^\W_]++)*+)")
# The same tokens for ASCII text, found faster with ASCII classes; ``\S`` is spelled out because Unicode also
# counts \x1c-\x1f as whitespace (on ASCII text the Unicode ``\w`` and ``[^\W_]`` are the ASCII ones).
_ASCII_TOKEN = re.compile(_TOKEN.pattern.replace(r"\S", r"[^\s\x1c-\x1f]"), re.ASCII)

_INDONESIAN = """
ada adalah agar akan aku anda apa apakah atau bagaimana bahwa banget baru bgt bisa buat dalam dan dari dengan
deh dia dong gak ga gimana gitu hanya harus ini itu jadi jangan juga kalau kalo kami kamu kan karena ke kenapa
kita kok lagi lah lebih masih mau mereka nya oleh pada para pun saja sama saya sih sudah udah tapi tau telah
tidak tuh untuk yang yg dgn utk aja nih ya kah mana sampai sangat seperti setelah sini situ tak tdk jg sdh
belum blm bukan dulu hari kali lalu mah nggak ngga enggak banyak begitu bila buat bikin emang memang cuma
"""

_ENGLISH = """
about after again all also and any are because been before being but can could did does doing don't for
from had has have having her here hers him his how into its it's just more most not now off once only other our
out over own same she should some such than that the their them then there these they this those through too
under until very was were what when where which while who whom why will with would you your yours i'm you're
get got was wasn't isn't aren't can't won't didn't doesn't haven't hasn't yes lol amp via rt
"""

STOPWORDS: frozenset[str] = frozenset(_INDONESIAN.split() + _ENGLISH.split())
"""Function words of Indonesian (including common chat spellings) and English that never explain an alert."""


def terms(text: str, *, min_length: int = 3) -> list[str]:
    """The explanatory words of ``text``, in order (repeats kept).

    Examples
    --------
    >>> terms("Data nasabah @BankX BOCOR?! cek https://t.co/x #BRIdown yang 2026 😡")
    ['data', 'nasabah', 'bocor', 'cek']
    >>> terms("The app is down and I can't log in")
    ['app', 'down', 'log']
    """
    text = text.lower()
    return [
        token
        for token in (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)
        if len(token) >= min_length and token not in STOPWORDS and not token.isdigit()
    ]


#: How many texts a :func:`cached_by_text` function remembers (least recently used first out), and up to which
#: length a text is remembered: a repost or a copied complaint repeats its text, and splitting it is most of a
#: match's or a window's ``add``; a longer text is rare and not worth the memory.
TEXT_CACHE_SIZE = 16_384
TEXT_CACHE_CHARS = 512


class TextFunction(Protocol[T_co]):
    """A function of a text that remembers its answers (see :func:`cached_by_text`)."""

    def __call__(self, text: str) -> T_co: ...

    def cache_info(self) -> Any: ...

    def cache_clear(self) -> None: ...


def cached_by_text(function: Callable[[str], T_co]) -> TextFunction[T_co]:
    """``function``, remembering its answers for the latest :data:`TEXT_CACHE_SIZE` texts of at most
    :data:`TEXT_CACHE_CHARS` characters. ``function`` must return an immutable value and be pure, or its
    owner must call ``cache_clear`` whenever what it reads changes.

    >>> lengths = cached_by_text(len)
    >>> lengths("abc"), lengths("abc"), lengths.cache_info().hits
    (3, 3, 1)
    """
    cached = lru_cache(maxsize=TEXT_CACHE_SIZE)(function)

    def call(text: str) -> T_co:
        return cached(text) if len(text) <= TEXT_CACHE_CHARS else function(text)

    call.cache_info = cached.cache_info  # type: ignore[attr-defined]
    call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


@cached_by_text
def distinct_terms(text: str) -> tuple[str, ...]:
    """The :func:`terms` of ``text`` without repeats, in the order they first occur.

    >>> distinct_terms("Refund gagal, refund GAGAL lagi")
    ('refund', 'gagal')
    """
    return tuple(dict.fromkeys(terms(text)))
