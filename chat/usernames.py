"""What a username may be: safe in a URL, and not a lookalike of someone else's.

Usernames appear in URLs (``/p/<username>/``) and mentions, and people recognise each
other by them, so two rules apply on top of Django's (letters, digits and ``@.+-_``):

- a name needs a letter or a digit: ``.`` and ``..`` would be path segments that
  browsers and proxies rewrite (``/p/../`` cannot be reached);
- a name must not look like an existing one. Each name has a *skeleton*: NFKC (so
  full-width letters are the plain ones), case folded, and every character replaced by
  one representative of its class of lookalikes from Unicode's confusables list (via
  the confusable-homoglyphs package), so ``alice`` with a Cyrillic ``a``, ``ALICE``,
  ``AIice`` and ``a1ice`` all have the skeleton of ``alice``. Multi-letter lookalikes
  such as ``rn`` for ``m`` are not folded.
"""

from __future__ import annotations

import functools
import string
import unicodedata

from confusable_homoglyphs.confusables import confusables_data


@functools.cache
def _representatives() -> dict[str, str]:
    """Each character that has lookalikes, mapped to its class's smallest member."""
    parent: dict[str, str] = {}

    def find(char: str) -> str:
        parent.setdefault(char, char)
        while parent[char] != char:
            parent[char] = parent[parent[char]]
            char = parent[char]
        return char

    def union(first: str, second: str) -> None:
        parent[find(first)] = find(second)

    for key, glyphs in confusables_data.items():
        if len(key) == 1:
            for glyph in glyphs:
                if len(glyph["c"]) == 1:
                    union(key, glyph["c"])
    # Case never tells two names apart either ("Bob", "bob"; "I" and "l" look alike, so
    # "i" joins them). Only ASCII's own pairs: other scripts' case pairs would chain
    # unrelated classes (Warang Citi letters link "E" to "7"). Names are case folded anyway.
    for upper in string.ascii_uppercase:
        union(upper, upper.lower())
    classes: dict[str, list[str]] = {}
    for char in parent:
        classes.setdefault(find(char), []).append(char)
    return {char: min(members) for members in classes.values() for char in members}


def skeleton(username: str) -> str:
    """The form two names share when a reader could mistake one for the other."""
    representatives = _representatives()
    folded = unicodedata.normalize("NFKC", username).casefold()
    return "".join(representatives.get(char, char) for char in folded)


def has_letter_or_digit(username: str) -> bool:
    """True unless the name is made only of punctuation (``.``, ``..``, ``-_``)."""
    return any(char.isalnum() for char in username)
