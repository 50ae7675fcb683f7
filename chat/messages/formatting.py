"""A message's body as every reader sees it: a safe Markdown subset, rendered once.

The body is rendered when a message is stored or edited (``chat.messages.posting.insert``,
``chat.messages.edits``) and the HTML kept in ``Message.html``, so every reader gets the same
bytes and no page renders Markdown again. Older rows (stored before formatting, ``html``
"") are rendered when shown (``chat.templatetags.message_parts.body_html``): nothing needs
migrating.

Two walls, each enough alone:

1. **markdown-it-py**, CommonMark with raw HTML off: ``<script>`` or ``<img onerror>`` in a
   message is text. Of Markdown only the subset a chat needs is on: ``**bold**``,
   ``*italic*``, ``~~strike~~``, ``code``, fenced code blocks (highlighted by
   ``chat.messages.highlighting``), ``> quotes``, lists, and links: ``[x](url)``,
   ``<url>``, and URLs and bare domains found in the text (linkify-it-py). Off: headings
   (a line starting with ``#`` is a line, not a banner), images (a reader's browser must
   never fetch from a site the writer picked), tables, rules, reference definitions,
   indented code (pasted text that happens to be indented stays text), HTML entities
   (``&amp;`` reads as typed). Every line break typed is kept.
   A link goes only to ``http``, ``https`` or ``mailto``: ``[x](javascript:…)`` and
   ``data:`` stay text. Every link carries ``rel="nofollow noopener noreferrer"`` and opens
   in the same tab, as every other link of the chat: a reader chooses a new tab
   themselves (the middle click), and a link opening one unasked hides the way back.
2. **nh3**, an allow-list sanitiser, over the result: only the tags and attributes above
   survive, links only with those schemes (and ``/p/<name>/`` for mentions), spans only
   with Pygments' classes.

On the way, in the text of the Markdown tokens (never in code, never inside a link):
``@username`` of a mentioned member becomes the mention link (as ``mentions.linked_body``
makes it), and ``:shortcode:`` its emoji. Nesting deeper than ``MAX_NESTING`` (quotes in
quotes…) is shown as typed: markdown-it stops there, and a message must not lose words.

A plain line (``_PLAIN``: no character that Markdown, linkify, shortcodes or mentions act
on) is not parsed: markdown-it would make it one paragraph of itself, so it is wrapped in
one directly and still goes through the sanitiser. The tests hold both paths to the same
bytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

import emoji
import nh3
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django.utils.html import format_html
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from chat.messages import highlighting, mentions
from chat.models import words_of

#: How deep blocks and inline markup may nest (a quote in a list in a quote…): markdown-it
#: does no more work past it, so a thousand ``>`` cost no more than twenty.
MAX_NESTING = 20
#: A message of at most this many emoji, and nothing else, is shown large.
EMOJI_ONLY_MAX = 8
#: What every link of a message carries.
LINK_REL = "nofollow noopener noreferrer"
#: The only targets a link of a message may have.
_SAFE_LINK = re.compile(r"(?:https?://|mailto:)", re.IGNORECASE)
_MENTION_HREF = re.compile(r"/p/[^/?#]+/")
_EMOJI_CLASS = "emoji-only"
#: A body that every rule below would leave as it is: one line that starts with a letter,
#: of letters and digits (any script), spaces and ``,;?!'"()-``, with a full stop only
#: before a space or at the end (``file.py`` is a domain to linkify) and no space at the
#: end. No Markdown begins there (a list, a quote, a fence), nothing marks it up (``*``,
#: ``_``, ``~``, a backtick, ``[``, ``<``, ``&``, a backslash), and nothing is linked
#: (``:`` and ``/`` of an address, ``@`` of a mention or a mail, a dot inside a word).
#: Most of what people write in a chat is such a line.
_PLAIN = re.compile(r"[^\W\d_](?:[^\W_]|[ ,;?!'\"()-]|\.(?= |\Z))*(?<! )")


def _safe_link(url: str) -> bool:
    return bool(_SAFE_LINK.match(url))


@functools.cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": True, "breaks": True, "maxNesting": MAX_NESTING},
    )
    md.enable(["linkify", "strikethrough"])
    md.disable(["heading", "lheading", "hr", "code", "reference", "html_block"])
    md.disable(["image", "html_inline", "entity"])
    md.validateLink = _safe_link
    md.core.ruler.push("chat_text", _text_rule)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("fence", _render_fence)
    return md


@functools.cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags={"p", "br", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li"}
        | {"a", "span"},
        clean_content_tags={"script", "style"},
        attributes={"a": {"href", "data-user-id"}, "ol": {"start"}},
        tag_attribute_values={"a": {"rel": {LINK_REL}}, "pre": {"tabindex": {"0"}}},
        allowed_classes={
            "a": {"mention"},
            "pre": {"highlight"},
            "span": set(highlighting.TOKEN_CLASSES),
        },
        url_schemes={"http", "https", "mailto"},
        # Relative addresses only for mentions, which link a person's conversation.
        url_relative=lambda url: url if _MENTION_HREF.fullmatch(url) else None,
        # nh3 would put its own rel on every link, mentions included (it must then be
        # told nothing of rel): ours is kept instead, exactly LINK_REL or nothing, and
        # mentions keep their markup. The renderer adds it to every link it makes.
        link_rel=None,
        strip_comments=True,
    )


# --- the token stream ------------------------------------------------------------------


def _text_rule(state: StateCore) -> None:
    """Emoji for shortcodes and links for mentions, in text tokens outside code and links."""
    people: dict[str, AbstractBaseUser] = state.env.get("people", {})
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            elif token.type == "text" and not in_link:
                if ":" in token.content:
                    token.content = emoji.emojize(token.content, language="alias")
                if people and "@" in token.content:
                    children.extend(_with_mentions(token, people))
                    continue
            children.append(token)
        block.children = children


def _with_mentions(token: Token, people: dict[str, AbstractBaseUser]) -> list[Token]:
    """``token`` (text) cut around the mentions of ``people`` it holds, each one a link."""
    text, pieces, last = token.content, [], 0
    for match in mentions.MENTION.finditer(text):
        person = people.get(match[1].casefold())
        if person is None:
            continue
        if match.start() > last:
            pieces.append(_token("text", text[last : match.start()]))
        pieces.append(_token("html_inline", _mention_link(person)))
        last = match.end()
    if last == 0:
        return [token]
    if last < len(text):
        pieces.append(_token("text", text[last:]))
    return pieces


def _token(kind: str, content: str) -> Token:
    return Token(kind, "", 0, content=content)


def _mention_link(person: AbstractBaseUser) -> str:
    username = person.get_username()
    return format_html(
        '<a class="mention" href="{}" data-user-id="{}">@{}</a>',
        reverse("direct", args=[username]),
        person.pk,
        username,
    )


def _render_link_open(renderer, tokens: Sequence[Token], idx: int, options, env) -> str:
    tokens[idx].attrSet("rel", LINK_REL)
    return renderer.renderToken(tokens, idx, options, env)


def _render_fence(renderer, tokens: Sequence[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    return highlighting.code_block(token.content, token.info)


def _too_deep(tokens: list[Token]) -> bool:
    """Whether markdown-it reached ``MAX_NESTING`` (and so left the rest out)."""
    for token in tokens:
        if token.level >= MAX_NESTING - 1:
            return True
        if token.children and any(c.level >= MAX_NESTING - 1 for c in token.children):
            return True
    return False


def _as_typed(body: str, people: list[AbstractBaseUser]) -> str:
    """The body escaped, line by line, its mentions linked: for what is too deep to format."""
    linked = mentions.linked_body(body, people)
    return "<p>" + linked.replace("\n", "<br>\n") + "</p>"


# --- the public functions ---------------------------------------------------------------


def render(body: str, people: Iterable[AbstractBaseUser] = ()) -> str:
    """``body`` (Markdown as typed) as safe HTML, the mentions of ``people`` (the members it
    names, as ``chat.messages.mentions`` found them) linked. The same body and people give
    the same bytes."""
    if not body:
        return ""
    if _PLAIN.fullmatch(body):
        # What markdown-it would make of it (one paragraph of the line, escaped), without
        # its parse: a plain line costs about an eighth of the time. Still through the sanitiser.
        return sanitised(f"<p>{body}</p>").strip()
    return _through_markdown(body, list(people))


def _through_markdown(body: str, people: list[AbstractBaseUser]) -> str:
    """``render`` for a body that may hold Markdown, links, shortcodes or mentions."""
    env = {"people": {person.get_username().casefold(): person for person in people}}
    md = _markdown()
    tokens = md.parse(body, env)
    shown = (
        _as_typed(body, people)
        if _too_deep(tokens)
        else md.renderer.render(tokens, md.options, env)
    )
    return sanitised(shown).strip()


def sanitised(markup: str) -> str:
    """``markup`` with only what a rendered body may hold (the second wall): the subset's
    tags, Pygments' spans, links to http, https and mailto (with ``rel``) and to a person's
    conversation (mentions)."""
    return _cleaner().clean(markup)


def is_emoji_only(body: str) -> bool:
    """Whether ``body`` is one to ``EMOJI_ONLY_MAX`` emoji (shortcodes count), with white
    space at most: such a message is shown large."""
    text = body.strip()
    if not text or len(text) > EMOJI_ONLY_MAX * 16:
        return False
    if ":" in text:
        text = emoji.emojize(text, language="alias")
    text = "".join(char for char in text if not char.isspace())
    if not text or not emoji.purely_emoji(text):
        return False
    # © and ® alone are emoji to the tables, but letters to a reader: not shown large.
    return emoji.emoji_count(text) <= EMOJI_ONLY_MAX and any(ord(char) > 0xFF for char in text)


def body_class(body: str) -> str:
    """The classes of a body's element: ``body``, and ``emoji-only`` when it is."""
    return f"body {_EMOJI_CLASS}" if is_emoji_only(body) else "body"


def plain_text(rendered: str) -> str:
    """What a rendered body says, without its markup: for a screen reader's announcement
    and a notification, which must not read tags out (the caller escapes it again)."""
    return words_of(rendered, "")
