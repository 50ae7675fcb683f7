"""What typed text may hold: the one place for characters that show nothing, that are not
text, or that reorder what a reader sees. Message bodies, bios, room titles and display
names are all judged here (``chat.fields`` and each capability's ``forms``).

Three kinds:

- **Blank**: white space, format characters (Cf, such as U+200B), controls, combining marks
  with nothing to sit on, and characters that render as nothing though Unicode calls them
  symbols or letters (Hangul fillers, the blank Braille cell, U+1D159 MUSICAL SYMBOL NULL
  NOTEHEAD). Text made only of these "shows nothing": a message of them is refused as
  empty, a bio of them kept as none.
- **Not text**: unassigned code points and noncharacters (Cn: U+0378, U+FFFF), private use
  (Co: U+E000, which shows whatever a font puts there, or nothing) and surrogates (Cs). A
  code point our Unicode tables do not know yet but the emoji tables do (an emoji newer than
  Python's ``unicodedata``) is text.
- **Direction controls**: the bidi embeddings, overrides and isolates (U+202A-U+202E,
  U+2066-U+2069) make text read in another order than it is stored ("txt.exe" shown as
  "exe.txt"). They are refused, not stripped: what a person typed is what others see, or
  they are told why not. The marks U+200E, U+200F and U+061C, which only nudge neutral
  characters (punctuation at the end of a Hebrew or Arabic sentence), stay allowed in
  messages and bios.

Names are stricter (``hidden_characters``): no format character at all except the joiners.
"""

from __future__ import annotations

import functools
import unicodedata

import emoji

#: Characters that show nothing and are neither space nor format characters: Hangul
#: fillers, the blank Braille cell and the musical null notehead.
INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\U0001d159")
#: Embeddings, overrides and isolates: they reorder what follows them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Categories that never show anything by themselves.
_BLANK_CATEGORIES = frozenset({"Cf", "Cc", "Mn", "Me", "Zs", "Zl", "Zp"})
#: Unassigned (and noncharacters), private use, surrogates.
_NOT_TEXT_CATEGORIES = frozenset({"Cn", "Co", "Cs"})
#: Format characters a shown name may hold: the joiners inside emoji sequences and many
#: scripts' words (U+200D, U+200C). Every other one (bidi controls, U+200B, U+FEFF, soft
#: hyphens…) is invisible, or reorders what a reader sees.
NAME_FORMAT_CHARACTERS = frozenset("\u200c\u200d")
#: Tag characters (U+E0020 to U+E007F) spell out subdivision flags after U+1F3F4 (🏴 England).
_TAGS = range(0xE0020, 0xE0080)
_BLACK_FLAG = "\U0001f3f4"


@functools.cache
def _emoji_code_points() -> frozenset[str]:
    """Every code point of every emoji the ``emoji`` package knows (newer than Python's
    Unicode tables, which call the newest ones unassigned)."""
    return frozenset(char for sequence in emoji.EMOJI_DATA for char in sequence)


def is_blank(char: str) -> bool:
    """Whether ``char`` shows nothing by itself."""
    return char.isspace() or char in INVISIBLE or unicodedata.category(char) in _BLANK_CATEGORIES


def is_not_text(char: str) -> bool:
    """Whether ``char`` is unassigned, a noncharacter, private use or a surrogate."""
    return unicodedata.category(char) in _NOT_TEXT_CATEGORIES and char not in _emoji_code_points()


def has_visible_text(text: str) -> bool:
    """False for text that would look empty: white space, zero-width and other format
    characters, fillers, combining marks with nothing to sit on, and what is not text."""
    return any(not is_blank(char) and not is_not_text(char) for char in text)


def _each_once(chars) -> list[str]:
    found: list[str] = []
    for char in chars:
        if char not in found:
            found.append(char)
    return found


def refused_characters(text: str) -> list[str]:
    """The characters of a message or a bio that are refused, each once, in order: what is
    not text and the direction controls."""
    if text.isascii():  # none of ASCII is refused; CPython knows this without a look
        return []
    # Each distinct character once, in order: a long message repeats most of its own.
    return [char for char in dict.fromkeys(text) if char in BIDI_CONTROLS or is_not_text(char)]


def hidden_characters(name: str) -> list[str]:
    """The characters of ``name`` a shown name may not hold, each once, in order: controls,
    line breaks, invisible fillers, what is not text, and format characters (bidi controls
    such as U+202E RIGHT-TO-LEFT OVERRIDE among them) other than joiners and an emoji
    flag's tags."""
    found: list[str] = []
    in_flag = False
    for char in name:
        category = unicodedata.category(char)
        if ord(char) in _TAGS and in_flag:
            continue
        in_flag = char == _BLACK_FLAG
        bad = (
            category in {"Cc", "Zl", "Zp"}
            or (category == "Cf" and char not in NAME_FORMAT_CHARACTERS)
            or char in INVISIBLE
            or is_not_text(char)
        )
        if bad:
            found.append(char)
    return _each_once(found)


def code_points(chars: list[str]) -> str:
    """``U+202E, U+E000``: characters named so that a reader can tell which they are."""
    return ", ".join(f"U+{ord(char):04X}" for char in chars)
