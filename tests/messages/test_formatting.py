"""Formatting (``chat.messages.formatting``): the Markdown subset, links that can only go to
the web or to mail, mentions and emoji in text but not in code, raw HTML and hostile input
shown as text, the sanitiser as a second wall, emoji-only bodies, and the body rendered once
on every path that stores or changes one."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from chat.bots import services as bots
from chat.broadcast import frames as rendering
from chat.messages import edits as changes
from chat.messages import formatting
from chat.messages import posting as messages
from chat.models import Message
from tests.support.attachments import attach
from tests.support.bots import make_bot
from tests.support.files import png
from tests.support.joining import join
from tests.support.messages import say

REL = 'rel="nofollow noopener noreferrer"'
BOB = User(pk=7, username="bob")


def link(href: str, text: str) -> str:
    return f'<a href="{href}" {REL}>{text}</a>'


def mention_of_bob() -> str:
    return '<a class="mention" href="/p/bob/" data-user-id="7">@bob</a>'


def tags(html: str) -> set[str]:
    return set(re.findall(r"<([a-z0-9]+)", html))


# --- the subset --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("**bold**", "<p><strong>bold</strong></p>"),
        ("*italic* and _italic_", "<p><em>italic</em> and <em>italic</em></p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
        ("`x < y`", "<p><code>x &lt; y</code></p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("first line\nsecond line", "<p>first line<br>\nsecond line</p>"),
    ],
)
def test_the_markdown_subset_renders(typed, shown):
    assert formatting.render(typed) == shown


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("# not a heading", "<p># not a heading</p>"),
        ("title\n===", "<p>title<br>\n===</p>"),
        ("---", "<p>---</p>"),
        ("    indented, as pasted", "<p>indented, as pasted</p>"),
        (
            "[ref]: https://example.com",
            f"<p>[ref]: {link('https://example.com', 'https://example.com')}</p>",
        ),
        ("| a | b |\n| - | - |", "<p>| a | b |<br>\n| - | - |</p>"),
    ],
)
def test_what_is_not_in_the_subset_is_shown_as_typed(typed, shown):
    assert formatting.render(typed) == shown


def test_an_image_never_loads_from_another_site():
    html = formatting.render("![cat](https://tracker.example/cat.png)")

    assert "<img" not in html
    assert html == f"<p>!{link('https://tracker.example/cat.png', 'cat')}</p>"


def test_the_same_body_renders_the_same_bytes():
    body = "**hi** @bob, see example.com :tada:\n```python\nx = 1\n```"

    assert formatting.render(body, [BOB]) == formatting.render(body, [BOB])


# --- links -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("see https://example.com/a?b=1", f"<p>see {link('https://example.com/a?b=1', 'https://example.com/a?b=1')}</p>"),
        ("see example.com", f"<p>see {link('http://example.com', 'example.com')}</p>"),
        ("[docs](https://docs.example.org)", f"<p>{link('https://docs.example.org', 'docs')}</p>"),
        ("<https://example.com>", f"<p>{link('https://example.com', 'https://example.com')}</p>"),
        ("[mail](mailto:a@example.com)", f"<p>{link('mailto:a@example.com', 'mail')}</p>"),
    ],
)  # fmt: skip
def test_links_to_the_web_and_to_mail_carry_rel(typed, shown):
    assert formatting.render(typed) == shown


@pytest.mark.parametrize(
    "typed",
    [
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "[x](/accounts/logout/)",
        "[x](//evil.example/)",
        "[x](file:///etc/passwd)",
    ],
)
def test_a_link_to_anything_but_the_web_or_mail_stays_text(typed):
    html = formatting.render(typed)

    assert "<a" not in html
    assert html.startswith("<p>") and "href" not in html


def test_every_link_in_a_message_carries_rel():
    html = formatting.render("a.example.com, <https://b.example>, [c](http://c.example) x@d.com")

    links = re.findall(r"<a [^>]*>", html)
    assert len(links) == 4
    assert all(REL in tag for tag in links)


# --- raw HTML and hostile input ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ('<a href="javascript:x">y</a>', '<p>&lt;a href="javascript:x"&gt;y&lt;/a&gt;</p>'),
        ("&lt;b&gt; &amp; &#60;", "<p>&amp;lt;b&amp;gt; &amp;amp; &amp;#60;</p>"),
        ("<!-- hidden -->", "<p>&lt;!-- hidden --&gt;</p>"),
    ],
)  # fmt: skip
def test_raw_html_and_entities_show_as_typed(typed, shown):
    assert formatting.render(typed) == shown


@pytest.mark.parametrize(
    "typed",
    ["**unclosed *nested ~~strike", "***a**b*", "[x](https://a.example", "`open", "> **a\n> b**"],
)
def test_nested_and_unclosed_markup_keeps_every_word(typed):
    html = formatting.render(typed)

    words = re.findall(r"[a-z]+", typed.replace("https", ""))
    assert all(word in html for word in words)
    assert tags(html) <= {"p", "br", "strong", "em", "s", "code", "a", "blockquote"}


def test_a_line_of_four_thousand_backticks_is_an_empty_code_block():
    assert formatting.render("`" * 4000) == '<pre tabindex="0"><code></code></pre>'


def test_four_thousand_backticks_inside_a_sentence_are_text():
    html = formatting.render("a " + "`" * 3990 + " b")

    assert html == "<p>a " + "`" * 3990 + " b</p>"


@pytest.mark.parametrize("marker", [">", "> ", "- ", "* ", "1. "])
def test_nesting_past_the_limit_is_shown_as_typed_without_losing_words(marker):
    typed = marker * 1000 + "deep words @bob"

    html = formatting.render(typed, [BOB])

    assert html.startswith("<p>") and html.endswith(f"deep words {mention_of_bob()}</p>")
    assert "<blockquote" not in html and "<li" not in html


def test_nesting_within_the_limit_is_formatted():
    html = formatting.render("> > > three deep")

    assert html.count("<blockquote>") == 3


# --- mentions and emoji ------------------------------------------------------------------


def test_a_mention_in_bold_is_linked():
    assert formatting.render("**@bob** lunch?", [BOB]) == (
        f"<p><strong>{mention_of_bob()}</strong> lunch?</p>"
    )


def test_a_mention_in_code_is_not_linked():
    html = formatting.render("`@bob` and\n```\n@bob\n```", [BOB])

    assert "mention" not in html
    assert "<code>@bob</code>" in html


def test_a_mention_inside_a_link_is_not_linked():
    html = formatting.render("[@bob](https://example.com)", [BOB])

    assert html == f"<p>{link('https://example.com', '@bob')}</p>"


def test_only_the_members_named_are_linked():
    html = formatting.render("@bob and @carol", [BOB])

    assert html == f"<p>{mention_of_bob()} and @carol</p>"


def test_a_mention_is_linked_as_typed_in_any_case_with_the_stored_name():
    assert formatting.render("hi @BOB.", [BOB]) == f"<p>hi {mention_of_bob()}.</p>"


def test_shortcodes_become_emoji_but_not_in_code():
    html = formatting.render(":tada: :thumbsup: `:tada:` :nosuchcode:")

    assert html == "<p>🎉 👍 <code>:tada:</code> :nosuchcode:</p>"


def test_an_address_with_colons_is_not_made_emoji():
    html = formatting.render("https://example.com/:tada:/")

    assert "🎉" not in html


# --- code ----------------------------------------------------------------------------------


def test_a_code_block_of_a_known_language_is_highlighted_with_classes_only():
    html = formatting.render("```python\ndef soup():\n    return 'hot'\n```")

    assert html.startswith('<pre class="highlight" tabindex="0"><code><span class="k">def</span>')
    assert '<span class="nf">soup</span>' in html
    assert "style=" not in html


@pytest.mark.parametrize("fence", ["```", "```nosuchlanguage", "```<script>"])
def test_a_code_block_without_a_known_language_is_plain_escaped_text(fence):
    html = formatting.render(f"{fence}\n<b>x</b> & y\n```")

    assert html == '<pre tabindex="0"><code>&lt;b&gt;x&lt;/b&gt; &amp; y\n</code></pre>'


def test_markdown_inside_a_code_block_is_text():
    html = formatting.render("```\n**not bold** https://example.com\n```")

    assert "<strong>" not in html and "<a " not in html


# --- the second wall -----------------------------------------------------------------------


SPAN_K = '<span class="k">if</span>'
MENTION_LINK = '<a href="/p/b/" data-user-id="7">@b</a>'


@pytest.mark.parametrize(
    ("markup", "kept"),
    [
        (f'<a href="javascript:alert(1)" {REL}>x</a>', f"<a {REL}>x</a>"),
        ('<a href="/accounts/logout/">x</a>', "<a>x</a>"),
        ('<a href="/p/b/" class="mention evil">@b</a>', '<a href="/p/b/" class="mention">@b</a>'),
        ('<a href="/p/b/" data-user-id="7" data-x="1">@b</a>', MENTION_LINK),
        ('<img src="x" onerror="alert(1)">', ""),
        ("<script>alert(1)</script><style>*{}</style>", ""),
        ('<span class="k evil" style="color:red" onclick="x()">if</span>', SPAN_K),
        ('<p id="composer">hi</p><iframe src="https://e.example"></iframe>', "<p>hi</p>"),
        ('<a href="https://e.example" rel="opener">x</a>', '<a href="https://e.example">x</a>'),
    ],
)  # fmt: skip
def test_the_sanitiser_keeps_only_what_a_body_may_hold(markup, kept):
    assert formatting.sanitised(markup) == kept


# --- emoji only, plain text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "large"),
    [
        ("🎉", True),
        ("  🎉 👍🏽\n👨‍👩‍👧 ", True),
        (":tada::thumbsup:", True),
        ("🎉" * 8, True),
        ("🎉" * 9, False),
        ("🎉 party", False),
        ("©", False),
        ("1", False),
        (":nosuchcode:", False),
        ("**🎉**", False),
        (" ", False),
    ],
)
def test_a_few_emoji_alone_are_shown_large(body, large):
    assert formatting.is_emoji_only(body) is large
    assert formatting.body_class(body) == ("body emoji-only" if large else "body")


def test_plain_text_is_the_words_without_markup():
    html = formatting.render("**deploy** `now` & <b>x</b>\n> quoted")

    assert formatting.plain_text(html) == "deploy now & <b>x</b>\n\nquoted"


# --- every path that stores or changes a body renders it once ------------------------------


@pytest.mark.django_db
def test_a_posted_message_is_stored_rendered_with_its_mentions(alice, bob, lunch):
    join(bob, "lunch")

    [message] = say(lunch, alice, "**@bob** lunch?")

    stored = Message.objects.get(pk=message.pk)
    assert stored.body == "**@bob** lunch?"
    assert stored.html == (
        f'<p><strong><a class="mention" href="/p/bob/" data-user-id="{bob.pk}">@bob</a>'
        "</strong> lunch?</p>"
    )


@pytest.mark.django_db
def test_an_edit_renders_the_new_body_and_keeps_the_source(alice, lunch):
    [message] = say(lunch, alice, "lunch at noon")

    changes.edit_message(alice, message.id, {"body": "lunch at *one*"})

    stored = Message.objects.get(pk=message.pk)
    assert (stored.body, stored.html) == ("lunch at *one*", "<p>lunch at <em>one</em></p>")


@pytest.mark.django_db
def test_a_deletion_forgets_the_rendered_body_too(alice, lunch):
    [message] = say(lunch, alice, "**secret**")

    changes.delete_message(alice, message.id)

    assert Message.objects.values_list("body", "html").get(pk=message.pk) == ("", "")


@pytest.mark.django_db
def test_a_bot_message_is_rendered(alice, lunch):
    _bot, token = make_bot(lunch, alice)

    posted = bots.bot_post(token, {"body": "build **green**"})

    assert Message.objects.get(pk=posted.message.pk).html == "<p>build <strong>green</strong></p>"


@pytest.mark.django_db
def test_the_words_with_a_file_are_rendered(alice, lunch, media_root):
    posted = attach(lunch, alice, "chart.png", png(), body="the `chart`")
    cache.clear()

    assert Message.objects.get(pk=posted.message.pk).html == "<p>the <code>chart</code></p>"


@pytest.mark.django_db
def test_the_article_holds_the_rendered_body_with_dir_auto(alice, lunch):
    posted = say(lunch, alice, "**hi**", "🎉🎉")

    bold, party = (rendering.message_article(Message.objects.get(pk=m.pk)) for m in posted)

    assert '<div class="body" dir="auto"><p><strong>hi</strong></p></div>' in bold
    assert '<div class="body emoji-only" dir="auto"><p>🎉🎉</p></div>' in party


@pytest.mark.django_db
def test_the_announcer_says_the_words_without_the_markup(alice, lunch):
    posted = messages.post_message(lunch, alice, {"body": "**deploy** `now` <b>x</b>"})

    announcer = posted.frame.split('<div id="announcer"', 1)[1]
    assert "New message from alice: deploy now &lt;b&gt;x&lt;/b&gt;</p>" in announcer
    assert "<strong>" not in announcer and "**" not in announcer
