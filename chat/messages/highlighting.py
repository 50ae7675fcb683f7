"""Code blocks of a message, highlighted on the server with Pygments.

Only a language the writer names after the opening fence (```` ```python ````) is
highlighted: guessing one (``guess_lexer``) tries every lexer Pygments has, is slow on a
long paste, and guesses differently for near-identical text, so a block without a known
language is shown as it was typed, escaped. The markup is classes only (Pygments' short
token names, such as ``k`` for a keyword): the colours are in chat.css, light and dark,
and the sanitiser (``chat.messages.formatting``) lets through exactly these classes.
"""

from __future__ import annotations

import functools
import re

from django.utils.html import escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

#: The classes Pygments' HTML formatter puts on its spans: the only ones a span may carry.
TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)
#: What may name a language after the fence: ``python``, ``c++``, ``objective-c``, ``c#``.
_LANGUAGE = re.compile(r"[\w+#.-]{1,32}")
#: Spans only, no wrapper: the block's <pre> and <code> are ours (``code_block``).
_FORMATTER = HtmlFormatter(nowrap=True)


@functools.lru_cache(maxsize=64)
def _lexer(name: str) -> Lexer | None:
    """The lexer Pygments has for ``name`` (an alias: ``py``, ``js``, ``sh``), or None."""
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def language_of(info: str) -> str:
    """The language named by a fence's info string (its first word, lower case), or ""."""
    first = info.strip().split(maxsplit=1)
    if not first or not _LANGUAGE.fullmatch(first[0]):
        return ""
    return first[0].lower()


def code_block(code: str, info: str) -> str:
    """A fenced block as HTML: ``<pre class="highlight">`` with Pygments' spans when the
    fence names a language Pygments knows, the code escaped in a plain ``<pre>`` otherwise.
    The block can scroll sideways, so it takes the focus (``tabindex="0"``): a keyboard
    reaches what is past its edge."""
    language = language_of(info)
    lexer = _lexer(language) if language else None
    if lexer is None:
        return f'<pre tabindex="0"><code>{escape(code)}</code></pre>\n'
    spans = highlight(code, lexer, _FORMATTER)
    return f'<pre class="highlight" tabindex="0"><code>{spans}</code></pre>\n'
