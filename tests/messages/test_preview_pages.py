"""What a page says of itself (``chat.messages.preview_pages``), and which link of a message is
previewed (``chat.messages.previews.first_link``): read from the head only, cleaned, cut."""

from __future__ import annotations

import pytest

from chat.messages.preview_pages import TITLE_CHARS, PageFacts, read_head
from chat.messages.previews import first_link


def test_opengraph_comes_first_then_twitter_then_the_title_and_description():
    page = (
        b"<html><head><title>Plain</title><meta name=description content='Meta words'>"
        b"<meta name='twitter:title' content='Card'><meta name='twitter:image' content='/c.png'>"
        b"</head></html>"
    )

    assert read_head(page) == PageFacts("Card", "Meta words", "", "/c.png")
    assert read_head(b"<title> Just  a\n title </title>").title == "Just a title"


def test_nothing_after_the_head_is_read():
    page = b"<head><title>Head</title></head><body><meta property=og:title content=Body>"
    no_head = b"<title>T</title><div><meta property=og:description content=Later></div>"

    assert read_head(page).title == "Head"
    assert read_head(no_head) == PageFacts(title="T")


def test_text_is_cleaned_of_what_is_not_text_and_cut():
    page = (
        '<meta property=og:title content="evil\u202etxt.exe\x00 \u200bok">'
        f'<meta property=og:description content="{"long " * 200}">'
        f"<meta property=og:site_name content='{'x' * (TITLE_CHARS + 5)}'>"
    ).encode()

    facts = read_head(page)

    assert facts.title == "eviltxt.exe ok"
    assert len(facts.description) == 500
    assert facts.description.endswith("…")
    assert len(facts.site_name) == 100


@pytest.mark.parametrize(
    ("raw", "charset", "title"),
    [
        ("<title>Café</title>".encode("latin-1"), "iso-8859-1", "Café"),
        ('<meta charset="windows-1252"><title>Caf\xe9</title>'.encode("latin-1"), None, "Café"),
        (b"<title>\xff\xfe broken</title>", None, "\ufffd\ufffd broken"),
        ("<title>Café</title>".encode(), "no-such-charset", "Café"),
    ],
)
def test_the_page_is_read_in_its_charset(raw, charset, title):
    assert read_head(raw, charset).title == title


@pytest.mark.parametrize(
    ("body", "link"),
    [
        ("see https://a.example/x and https://b.example/y", "https://a.example/x"),
        ("`https://code.example/` then https://b.example/", "https://b.example/"),
        ("```\nhttps://code.example/\n``` and www.harbour.org", "http://www.harbour.org"),
        ("mail me@mail.example", None),
        ("ftp://files.example/x", None),
        ("nothing here", None),
    ],
)
def test_the_first_web_link_outside_code_is_previewed(body, link):
    assert first_link(body) == link
