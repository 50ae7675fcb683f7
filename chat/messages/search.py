"""Search: the messages a reader may read now that hold the words they typed, newest first.

One interface, ``search``, over the full-text engine of the database in use:

- SQLite: an FTS5 table over ``chat_message.body`` (external content: it stores only the
  index, and reads bodies from the messages table), kept in step by triggers;
- PostgreSQL: a GIN index on ``to_tsvector('simple', body)``, the body's ASCII punctuation
  blanked first, so that words are runs of letters and digits there too (see below).

Both are made by migration 0006 and both change with the row, in the same transaction,
so an edit or a deletion is reflected by the very next search. The query is never handed
to the engine as typed: only its words (letters and digits) are, each one quoted, all of
them required, the last one also as a prefix. Nothing a person types is search syntax, so
no query can fail. Which rooms may be read is ``Room.objects.visible_to``, asked now.

The highlighter of the database marks matched words with two control characters; the body
is escaped and only then are those turned into ``<mark>`` tags, so its output is never
trusted as HTML.

Formatted messages (``chat.messages.formatting``): the index is over the source as typed,
never over the rendered ``html``, so "strong" or "href" find only messages that say them,
not every message rendered with ``<strong>`` or a link. Markdown's syntax is punctuation
(``**``, ``~~``, backticks, ``>``, ``[…](…)``), which both engines already treat as a
space, so ``**deploy**`` is found by "deploy" with nothing more. Indexing a plain-text
rendering instead would need a column of its own (and triggers, and a rebuild), would index
the emoji a shortcode becomes rather than the word typed, and would lose the one-to-one
map from the highlighter's copy back onto the body, which is what lets a result mark its
words in escaped text without trusting the engine's output. So a result shows the source,
escaped, its words marked: what was typed, the Markdown's punctuation included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from chat.conversations import name_and_links, others_in
from chat.limits import (
    MAX_ID,
    SEARCH_MAX_CHARS,
    SEARCH_MAX_WORDS,
    SEARCH_PAGE_SIZE,
    SEARCH_PREFIX_MIN_CHARS,
)
from chat.links import RoomLinks
from chat.models import Message, Room

#: What a search may hold, said when one was longer.
CLIPPED = (
    f"Only the first {SEARCH_MAX_CHARS} characters and {SEARCH_MAX_WORDS} words of a search "
    "are used."
)
# Runs of letters and digits: the words both engines index (FTS5's unicode61 tokenizer
# and PostgreSQL's parser split on everything else too). A word can therefore never hold
# a quote, a star, a bracket or any other piece of search syntax.
_WORD = re.compile(r"[^\W_]+")
# The highlighter's markers: control characters, which the engines never index.
_START, _STOP = "\x02", "\x03"
_MARKERS = re.compile(f"([{_START}{_STOP}])")
# ASCII punctuation from which PostgreSQL's parser makes tags, e-mail addresses, URLs and
# host names (words in "see <soup> now" are left out of its index; "bob@example.com" is
# one word): each blanked to a space before parsing, so the text keeps its length and a
# highlighted copy maps back onto the body character for character. Migration 0006 indexes
# this very expression; the planner uses the index only if the two are the same.
_BLANKED = '!"#$&()*+,-./:;<=>?@[]^_`{|}~'
_BLANKS = str.maketrans(_BLANKED, " " * len(_BLANKED))


def _pg_text(column: str) -> str:
    """SQL for ``column`` with the punctuation blanked (a literal: no quote, no percent)."""
    return f"translate({column}, '{_BLANKED}', '{' ' * len(_BLANKED)}')"


@dataclass(frozen=True)
class SearchResult:
    """One matching message, with its room as the reader addresses and names it."""

    message: Message
    room: Room
    room_name: str
    room_url: str
    #: The body, escaped, with the matched words in ``<mark>``.
    highlighted: SafeString

    @property
    def url(self) -> str:
        """The room page opened around this message, scrolled to it."""
        message_id = self.message.id
        return f"{self.room_url}?around={message_id}#message-{message_id}"


@dataclass(frozen=True)
class SearchPage:
    """A page of results, newest first; ``before=next_before`` asks for the next one."""

    #: The search as it was used: stripped, and clipped to SEARCH_MAX_CHARS.
    query: str
    #: The words searched for; none means there was nothing to search for.
    words: tuple[str, ...]
    results: list[SearchResult]
    has_more: bool
    #: The search was longer than what is used (see CLIPPED).
    clipped: bool = False

    @property
    def empty(self) -> bool:
        """True when the search held no word (blank, or punctuation only)."""
        return not self.words

    @property
    def next_before(self) -> int | None:
        """The id to pass as ``before`` for the next (older) page, if there is one."""
        return self.results[-1].message.id if self.has_more and self.results else None


def words_of(query: str) -> tuple[str, tuple[str, ...], bool]:
    """The search as used (stripped, clipped), its words, and whether it was clipped."""
    query = query.strip()
    clipped = len(query) > SEARCH_MAX_CHARS
    query = query[:SEARCH_MAX_CHARS]
    words = _WORD.findall(query)
    clipped = clipped or len(words) > SEARCH_MAX_WORDS
    return query, tuple(words[:SEARCH_MAX_WORDS]), clipped


def search(user: AbstractBaseUser, query: str, *, before: int | None = None) -> SearchPage:
    """The messages ``user`` may read now that hold every word of ``query``, newest first:
    SEARCH_PAGE_SIZE of them, older than message ``before`` when it is given.

    Never raises for what was typed: a query without words is an empty page
    (``SearchPage.empty``), an overlong one is clipped (``SearchPage.clipped``).
    """
    query, words, clipped = words_of(query)
    if not words or not user.is_authenticated:
        return SearchPage(query, words, [], has_more=False, clipped=clipped)
    before = before if before is not None and 0 < before <= MAX_ID else MAX_ID
    found = _matches(user, words, before, SEARCH_PAGE_SIZE + 1)
    has_more = len(found) > SEARCH_PAGE_SIZE
    found = found[:SEARCH_PAGE_SIZE]
    return SearchPage(query, words, _results(user, found), has_more=has_more, clipped=clipped)


# --- the engines ---------------------------------------------------------------------


def _matches(
    user: AbstractBaseUser, words: tuple[str, ...], before: int, limit: int
) -> list[tuple[int, str]]:
    """(id, body with the matches between sentinels) of the newest ``limit`` readable,
    undeleted messages older than ``before`` holding every word."""
    # The one rule about who reads what, as a subquery: no list of room ids in Python.
    readable = Room.objects.visible_to(user).order_by().values("id").query.sql_with_params()
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(*_sqlite_sql(words, readable, before, limit))
            return [(row[0], row[1]) for row in cursor.fetchall()]
        if vendor == "postgresql":
            return _postgres_matches(cursor, words, readable, before, limit)
    raise NotImplementedError(f"search is not built for {vendor}")  # pragma: no cover


def _fts5_query(words: tuple[str, ...]) -> str:
    """Every word an FTS5 string (so nothing in it is syntax), all of them required; the
    last one, if long enough, also as a prefix."""
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    if len(words[-1]) >= SEARCH_PREFIX_MIN_CHARS:
        quoted[-1] += "*"
    return " ".join(quoted)


def _sqlite_sql(
    words: tuple[str, ...], readable: tuple[str, tuple], before: int, limit: int
) -> tuple[str, list]:
    rooms_sql, rooms_params = readable
    # CROSS JOIN keeps the FTS table the outer loop: it yields matches newest first and
    # the query stops once the page is full, instead of walking every readable room.
    sql = f"""
        SELECT m.id, highlight(chat_message_fts, 0, %s, %s)
        FROM chat_message_fts CROSS JOIN chat_message AS m ON m.id = chat_message_fts.rowid
        WHERE chat_message_fts MATCH %s
          AND chat_message_fts.rowid < %s
          AND m.deleted = %s
          AND m.room_id IN ({rooms_sql})
        ORDER BY chat_message_fts.rowid DESC
        LIMIT %s
    """  # noqa: S608 - rooms_sql is SQL compiled by Django; every value is a parameter
    return sql, [_START, _STOP, _fts5_query(words), before, False, *rooms_params, limit]


def _tsquery(words: tuple[str, ...]) -> str:
    """to_tsquery text: every word a quoted lexeme (a word holds no quote or backslash),
    all of them required; the last one, if long enough, also as a prefix."""
    quoted = [f"'{word}'" for word in words]
    if len(words[-1]) >= SEARCH_PREFIX_MIN_CHARS:
        quoted[-1] += ":*"
    return " & ".join(quoted)


#: PostgreSQL: the newest messages read in id order before the GIN index is asked instead.
RECENT_ROWS = 500
#: ts_headline's options: the whole body (not fragments), matches between sentinels.
_HEADLINE_OPTIONS = f'HighlightAll=true, StartSel="{_START}", StopSel="{_STOP}"'


def _postgres_matches(
    cursor, words: tuple[str, ...], readable: tuple[str, tuple], before: int, limit: int
) -> list[tuple[int, str]]:
    """The newest matches, found one of two ways, as PostgreSQL's planner cannot choose.

    It prices to_tsvector at a fraction of what it costs (about 25 µs a message), so it
    walks the primary key newest first and parses every message, even for words in one
    message of a thousand: seconds, in a million. So, first the RECENT_ROWS newest
    messages, in id order: quick when the words are common (a page fills in a few dozen
    rows). If those hold at least half a page, a wider window will hold a whole one. If
    not, the words are rare, and the GIN index finds all their messages, of which the
    newest are taken: quick too, as there are few.
    """
    tsquery = _tsquery(words)
    rooms_sql, rooms_params = readable

    def found(recent: int | None) -> list[tuple[int, str]]:
        window, older = ([before, recent], []) if recent else ([], [before])
        params = [tsquery, _HEADLINE_OPTIONS, *window, tsquery, *older, False, *rooms_params]
        cursor.execute(_postgres_sql(rooms_sql, recent=bool(recent)), [*params, limit])
        return [(row[0], row[1]) for row in cursor.fetchall()]

    rows = found(RECENT_ROWS)
    if len(rows) < limit and 2 * len(rows) >= limit:
        # About twice the messages these matches say a page takes.
        rows = found(RECENT_ROWS * 2 * limit // len(rows))
    return rows if len(rows) == limit else found(None)


def _postgres_sql(rooms_sql: str, *, recent: bool) -> str:
    """The search over the RECENT_ROWS newest messages older than a given id (``recent``),
    or over the index's matches older than it. The highlighter runs outside the LIMIT: on
    the page's rows only."""
    highlighted, indexed = _pg_text("found.body"), _pg_text("m.body")
    if recent:
        # A LIMIT inside: the planner cannot push the words' test below it, so it reads the
        # newest rows in id order; the rooms as an array (not a join, which would sort)
        # keep that order, so it stops as soon as the page is full.
        source = """(
            SELECT id, body, room_id, deleted FROM chat_message
            WHERE id < %s ORDER BY id DESC LIMIT %s
        ) AS m"""
        older, order, rooms = "", "m.id DESC", f"= ANY(ARRAY({rooms_sql}))"
    else:
        # "+ 0": not the primary key's order, so the planner cannot walk it: it takes the
        # matches from the GIN index (the expression is the index's: migration 0006).
        source, older, order = "chat_message AS m", "AND m.id < %s", "m.id + 0 DESC"
        rooms = f"IN ({rooms_sql})"
    return f"""
        SELECT found.id, ts_headline('simple', {highlighted}, to_tsquery('simple', %s), %s)
        FROM (
            SELECT m.id, m.body FROM {source}
            WHERE to_tsvector('simple', {indexed}) @@ to_tsquery('simple', %s)
              {older}
              AND m.deleted = %s
              AND m.room_id {rooms}
            ORDER BY {order}
            LIMIT %s
        ) AS found
        ORDER BY found.id DESC
    """  # noqa: S608 - rooms_sql is SQL compiled by Django; every value is a parameter


# --- the page ------------------------------------------------------------------------


def _marked(raw: str | None, body: str) -> SafeString:
    """``raw`` (the highlighter's copy of ``body``, or on PostgreSQL of the body with its
    punctuation blanked) as HTML: the body with the sentinels put where ``raw`` has them,
    escaped, then the sentinels made ``<mark>`` tags. When ``raw`` is not that copy (the
    body holds a sentinel itself, or was edited meanwhile) the body is shown escaped,
    unmarked."""
    seen = body.translate(_BLANKS) if connection.vendor == "postgresql" else body
    if (
        raw is None
        or _START in body
        or _STOP in body
        or raw.count(_START) != raw.count(_STOP)
        or _MARKERS.sub("", raw) != seen
    ):
        return escape(body)
    pieces, at = [], 0
    for piece in _MARKERS.split(raw):
        if piece in (_START, _STOP):
            pieces.append(piece)
        else:
            pieces.append(body[at : at + len(piece)])
            at += len(piece)
    marked = escape("".join(pieces))
    return mark_safe(marked.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S308


def _results(user: AbstractBaseUser, found: list[tuple[int, str]]) -> list[SearchResult]:
    """The messages of ``found`` (newest first) with their rooms, names and links: three
    queries whatever the number of results."""
    ids = [message_id for message_id, _raw in found]
    # Read again now, with rooms and authors: the body shown is the current one, and a
    # message deleted since the search is left out.
    by_id = Message.objects.filter(id__in=ids, deleted=False).select_related(
        "room", "author__profile", "attachment"
    )
    messages = {message.id: message for message in by_id}
    partners = others_in(user, {m.room_id for m in messages.values() if m.room.between_people})
    addressed: dict[int, tuple[str, RoomLinks]] = {}  # a room's results share its links
    results = []
    for message_id, raw in found:
        message = messages.get(message_id)
        if message is None:
            continue
        room = message.room
        if room.id not in addressed:
            addressed[room.id] = _addressed(room, user, partners)
        name, links = addressed[room.id]
        results.append(SearchResult(message, room, name, links.page, _marked(raw, message.body)))
    return results


def _addressed(
    room: Room, user: AbstractBaseUser, partners: dict[int, list[tuple[str, str]]]
) -> tuple[str, RoomLinks]:
    """The room's name and links as ``user`` sees them (``chat.conversations``), with the
    other people of conversations between people looked up for the whole page at once."""
    return name_and_links(room, user.get_username(), partners.get(room.id, []))
