"""What a web page says of itself, read from its head: OpenGraph (``og:title``…), Twitter
cards, ``<title>`` and the meta description, for a link's preview (``chat.messages.previews``).

Read with the standard library's HTML parser, which never runs or fetches anything, and
only up to ``</head>`` (or the first sign of the body): the rest of the page is never
parsed. Text is cleaned of what is not text (controls, format characters such as
direction overrides, unassigned code points), its spaces collapsed, and cut to what the
preview keeps; it is escaped where it is shown, like every string.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

#: The longest of each, as ``LinkPreview`` stores them.
TITLE_CHARS = 300
DESCRIPTION_CHARS = 500
SITE_CHARS = 100
IMAGE_URL_CHARS = 2000

#: Where each fact is read from, best first.
SOURCES = {
    "title": ("og:title", "twitter:title"),
    "description": ("og:description", "twitter:description", "description"),
    "site_name": ("og:site_name", "application-name"),
    "image": (
        "og:image:secure_url",
        "og:image",
        "og:image:url",
        "twitter:image",
        "twitter:image:src",
    ),
}
#: Elements that only ever sit in a body: the head is over.
BODY_ONLY = frozenset({"body", "div", "p", "main", "article", "section", "header", "h1", "img"})

_SPACES = re.compile(r"\s+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True)
class PageFacts:
    """What a page says of itself; empty strings for what it does not say."""

    title: str = ""
    description: str = ""
    site_name: str = ""
    #: As the page wrote it: relative to the page's URL, perhaps.
    image: str = ""


def clean(text: str, most: int) -> str:
    """``text`` as one line of visible text, at most ``most`` characters (cut with "…")."""
    kept = "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or not unicodedata.category(char).startswith("C")
    )
    line = _SPACES.sub(" ", kept).strip()
    return line if len(line) <= most else line[: most - 1].rstrip() + "…"


class _HeadOver(Exception):
    pass


class _HeadReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BODY_ONLY:
            raise _HeadOver
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = {name: value or "" for name, value in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            raise _HeadOver
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)

    def first(self, fact: str) -> str:
        return next((self.meta[key] for key in SOURCES[fact] if self.meta.get(key)), "")


def _decoded(raw: bytes, charset: str | None) -> str:
    if charset is None:
        declared = _CHARSET.search(raw[:4096])
        charset = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        return raw.decode(charset, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def read_head(raw: bytes, charset: str | None = None) -> PageFacts:
    """What the page ``raw`` (its start, perhaps) says of itself in its head."""
    reader = _HeadReader()
    try:
        reader.feed(_decoded(raw, charset))
        reader.close()
    except _HeadOver:
        pass
    image = reader.first("image").strip()
    return PageFacts(
        title=clean(reader.first("title") or "".join(reader.title), TITLE_CHARS),
        description=clean(reader.first("description"), DESCRIPTION_CHARS),
        site_name=clean(reader.first("site_name"), SITE_CHARS),
        image=image if len(image) <= IMAGE_URL_CHARS else "",
    )
