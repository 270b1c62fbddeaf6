"""Tokenisation shared by the language identifier, the lexicons and the online model.

Social-media text is lower-cased, URLs and handles are dropped, words keep inner hyphens and apostrophes
("enak-enak", "don't"), and each emoji or ASCII emoticon becomes a token of its own.
"""

from __future__ import annotations

import re

__all__ = ["tokenize"]

_TOKEN = re.compile(
    r"https?://\S+|www\.\S+|[@#](?=\w)"  # dropped below: links, and the sigils of handles and hashtags
    r"|[a-z0-9]+(?:['’\-][a-z0-9]+)*"  # words, with inner hyphens and apostrophes
    r"|[:;=]['\-]?[()dp/\\|\]\[]+|[)(]['\-]?[:;=]|<3|t_t|\^_\^"  # emoticons (text is lower-cased first)
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2B55\u2764]",  # emoji
)


def tokenize(text: str) -> list[str]:
    """Split a post into lower-case tokens; links and the ``@``/``#`` sigils are dropped.

    Examples
    --------
    >>> tokenize("Pelayanan @BankX LEMOT bgt!!! 😡 https://t.co/x")
    ['pelayanan', 'bankx', 'lemot', 'bgt', '😡']
    >>> tokenize("Don't buy :( #kecewa")
    ["don't", 'buy', ':(', 'kecewa']
    """
    return [
        token
        for token in _TOKEN.findall(text.lower())
        if token[0] not in "@#" and not token.startswith(("http", "www."))
    ]
