"""A plain line (``chat.messages.formatting``): one that nothing in Markdown, linkify,
shortcodes or mentions acts on is not parsed, and renders to the same bytes as markdown-it
makes of it; a line that may hold any of those is parsed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat.messages import formatting

#: Letters of several scripts, digits, and every character a plain line may hold, with the
#: ones that start Markdown or a link when they stand next to them.
PLAIN_ALPHABET = "abzAZ09 ,;?!'\"()-.éß中жİǅª²٣\u0301\u00a0:@/_*~`#>&<[]\\\n"


@pytest.fixture
def parser_calls(monkeypatch) -> list[str]:
    """The bodies markdown-it parsed while the test ran."""
    calls: list[str] = []
    markdown = formatting._markdown()

    class Watched:
        options, renderer = markdown.options, markdown.renderer

        def parse(self, body, env):
            calls.append(body)
            return markdown.parse(body, env)

    monkeypatch.setattr(formatting, "_markdown", Watched)
    return calls


def test_a_plain_line_is_not_parsed(parser_calls):
    html = formatting.render("Lunch at noon? The usual place, I booked a table (for six).")

    assert html == "<p>Lunch at noon? The usual place, I booked a table (for six).</p>"
    assert parser_calls == []


@pytest.mark.parametrize(
    "typed",
    [
        "see file.py",  # a bare domain to linkify
        "1. first",  # a list
        "- first",
        "mail me at a@b.co",
        "see https://example.com",
        "it's :tada:",  # a shortcode
        "say *hi*",
        "x_y",
        "done ",  # markdown-it drops the space at the end
        "two\nlines",
        "a\u00a0b",  # the sanitiser writes it as &nbsp;
    ],
)
def test_a_line_that_may_hold_markdown_is_parsed(parser_calls, typed):
    formatting.render(typed)

    assert parser_calls == [typed]


@given(st.text(alphabet=PLAIN_ALPHABET, max_size=30))
@settings(max_examples=400, deadline=None)
def test_every_body_renders_as_markdown_it_renders_it(body):
    assert formatting.render(body) == (body and formatting._through_markdown(body, []))
