"""The search bench's world, inside a configured Django: people, rooms and many messages
written fast; the searches to time; their timings, a correctness check and the index sizes.

``bench/search.py`` is the command around it (a fresh database, Django set up, the report);
``tests/test_bench_search.py`` runs a tiny world in the test database, checking only that
every search answers what a plain scan of the messages says it should.
"""

from __future__ import annotations

import importlib
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from chat.limits import SEARCH_PAGE_SIZE, SEARCH_PREFIX_MIN_CHARS
from chat.messages import search
from chat.models import Membership, Message, Room

#: The most frequent words first: the top of a Zipf curve reads like English chat.
_COMMON_TEXT = (
    "the i you to a and it is that of in for on we this be have are at with lunch not "
    "but so just can what do was all if will me my get about your like out no up one "
    "there time they know meeting think now go how when good today new some see here more "
    "would make need tomorrow yes ok thanks sure code review deploy test build release "
    "coffee team call later back week friday monday bug fix issue please let us"
)
COMMON = _COMMON_TEXT.split()
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["an", "or", "el", "is"]
VOCABULARY_SIZE = 20_000
ROWS_PER_BATCH = 50_000

_WORD = re.compile(r"[^\W_]+")


@dataclass
class World:
    """What was made: the vocabulary (most frequent first), the reader searching, the rooms
    they may read, and (when kept) every message as (id, room id, body)."""

    vocabulary: list[str]
    reader: object
    readable_rooms: set[int]
    messages: list[tuple[int, int, str]] = field(default_factory=list)


def vocabulary(rng: random.Random, size: int = VOCABULARY_SIZE) -> list[str]:
    """``size`` distinct lowercase words: common English ones, then made-up ones of two to
    four syllables."""
    words = list(dict.fromkeys(COMMON))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def bodies(rng: random.Random, words: list[str], count: int) -> Iterator[str]:
    """``count`` message bodies of 3 to 18 words drawn by Zipf's law (s = 1): the commonest
    word is in most messages, the rarest in a few dozen of a million."""
    cumulative, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1.0 / rank
        cumulative.append(total)
    for _ in range(count):
        drawn = rng.choices(words, cum_weights=cumulative, k=rng.randint(3, 18))
        yield " ".join(drawn).capitalize() + rng.choice(("", "", ".", "?", "!"))


def _people_and_rooms(rng: random.Random) -> tuple[object, list[Room], set[int]]:
    """50 people and the reader; 70 public rooms, 20 private and 10 direct ones, the reader
    a member of every other private and direct room."""
    model = get_user_model()
    people = model.objects.bulk_create([model(username=f"person{n}") for n in range(50)])
    reader = model.objects.create(username="reader")
    kinds = [Room.Kind.PUBLIC] * 70 + [Room.Kind.PRIVATE] * 20 + [Room.Kind.DIRECT] * 10
    rooms = Room.objects.bulk_create(
        [Room(slug=f"bench-{n}", title=f"Bench {n}", kind=kind) for n, kind in enumerate(kinds)]
    )
    memberships, readable = [], set()
    for index, room in enumerate(rooms):
        members = rng.sample(people, 2 if room.is_direct else 5)
        if room.kind != Room.Kind.PUBLIC and index % 2 == 0:
            members[-1] = reader
        if room.kind == Room.Kind.PUBLIC or reader in members:
            readable.add(room.id)
        memberships += [Membership(room=room, user=member) for member in members]
    Membership.objects.bulk_create(memberships)
    return reader, rooms, readable


def _migration():
    return importlib.import_module("chat.migrations.0006_message_search")


def drop_index() -> None:
    """Take the search index away (the migration backwards), so rows load without it."""
    with connection.cursor() as cursor:
        for statement in _migration().BACKWARD[connection.vendor]:
            cursor.execute(statement)


def build_index() -> None:
    """Make the search index over the rows stored (the migration forwards)."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            # Inside a transaction (a test's) the rows' foreign keys are still to be
            # checked, and PostgreSQL builds no index on a table with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in _migration().FORWARD[connection.vendor]:
            cursor.execute(statement)
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("ANALYZE chat_message")


def _columns() -> tuple[list[str], list]:
    """The messages table's columns but the id, and each one's default, ready to store."""
    names, defaults = [], []
    for model_field in Message._meta.concrete_fields:
        if model_field.primary_key:
            continue
        names.append(model_field.column)
        defaults.append(model_field.get_db_prep_save(model_field.get_default(), connection))
    return names, defaults


def _store(columns: list[str], rows: list[list]) -> None:
    """Append ``rows`` to the messages table by the fastest way the database has."""
    listed = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY chat_message ({listed}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            connection.connection.executemany(
                f"INSERT INTO chat_message ({listed}) VALUES ({marks})",  # noqa: S608 - our names
                rows,
            )


def fill(count: int, *, seed: int = 1, keep: bool = False) -> World:
    """People, rooms and ``count`` messages spread over them, without the search index
    (``build_index`` makes it after). ``keep`` keeps every message in memory for ``check``."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    reader, rooms, readable = _people_and_rooms(rng)
    authors = list(get_user_model().objects.values_list("id", flat=True))
    columns, defaults = _columns()
    at = {
        name: columns.index(name)
        for name in ("room_id", "author_id", "body", "created_at", "revision")
    }
    start = datetime.now(tz=UTC) - timedelta(seconds=count)
    world = World(words, reader, readable)
    room_ids = [room.id for room in rooms]
    revisions = dict.fromkeys(room_ids, 0)
    batch: list[list] = []
    for n, body in enumerate(bodies(rng, words, count)):
        room_id = rng.choice(room_ids)
        revisions[room_id] += 1
        row = list(defaults)
        row[at["room_id"]], row[at["author_id"]], row[at["body"]] = (
            room_id,
            rng.choice(authors),
            body,
        )
        row[at["created_at"]] = connection.ops.adapt_datetimefield_value(
            start + timedelta(seconds=n)
        )
        row[at["revision"]] = revisions[room_id]
        batch.append(row)
        if len(batch) == ROWS_PER_BATCH:
            with transaction.atomic():
                _store(columns, batch)
            batch = []
    if batch:
        with transaction.atomic():
            _store(columns, batch)
    for room_id, revision in revisions.items():
        Room.objects.filter(pk=room_id).update(revision=revision)
    if keep:  # as stored: the ids are the database's to give
        world.messages = list(Message.objects.order_by("id").values_list("id", "room_id", "body"))
    return world


# --- the searches --------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    """One search to time: its kind (for the report), its text and the page asked for."""

    kind: str
    text: str
    second_page: bool = False


def _prefix_of(rng: random.Random, words: list[str]) -> str:
    word = rng.choice([w for w in words if len(w) >= 6])
    return word[:4]


def searches(words: list[str], count: int, *, seed: int = 2) -> list[Search]:
    """``count`` searches, the kinds taking turns: common and rare words, several words,
    the last one a prefix, a word in no message, and a second page of a common word."""
    rng = random.Random(seed)
    common, middle, rare = words[:20], words[200:2000], words[12_000:]
    makers = {
        "one common word": lambda: rng.choice(common),
        "one rare word": lambda: rng.choice(rare),
        "two common words": lambda: " ".join(rng.sample(words[:50], 2)),
        "common + rare word": lambda: f"{rng.choice(common)} {rng.choice(rare)}",
        "three middling words": lambda: " ".join(rng.sample(middle, 3)),
        "prefix of a middling word": lambda: _prefix_of(rng, middle),
        "prefix of a rare word": lambda: _prefix_of(rng, rare),
        "word in no message": lambda: "zzq" + "".join(rng.choices("xyzq", k=6)),
    }
    kinds = [*makers, "second page, common word"]
    planned = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        if kind.startswith("second page"):
            planned.append(Search(kind, rng.choice(common), second_page=True))
        else:
            planned.append(Search(kind, makers[kind]()))
    return planned


def run(reader, planned: Search) -> tuple[float, search.SearchPage, int | None]:
    """Run one search through ``chat.messages.search``: its time in ms, its page, and the ``before``
    it was asked with (a second page: the first page's ``next_before``, not timed)."""
    before = search.search(reader, planned.text).next_before if planned.second_page else None
    started = time.perf_counter()
    page = search.search(reader, planned.text, before=before)
    return (time.perf_counter() - started) * 1000, page, before


def timings(reader, planned: list[Search]) -> dict[str, list[tuple[float, int]]]:
    """(milliseconds, results on the page) of each search, by kind."""
    by_kind: dict[str, list[tuple[float, int]]] = {}
    for one in planned:
        elapsed, page, _before = run(reader, one)
        by_kind.setdefault(one.kind, []).append((elapsed, len(page.results)))
    return by_kind


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


# --- correctness ---------------------------------------------------------------------------


def expected_ids(world: World, text: str, before: int | None = None) -> list[int]:
    """The first page a search must answer, by a plain scan of every message kept: those of
    readable rooms holding every word (the last one also as a prefix), newest first."""
    _query, words, _clipped = search.words_of(text)
    if not words:
        return []
    *whole, last = [w.casefold() for w in words]
    found = []
    for message_id, room_id, body in reversed(world.messages):
        if room_id not in world.readable_rooms or (before and message_id >= before):
            continue
        tokens = {t.casefold() for t in _WORD.findall(body)}
        if not all(w in tokens for w in whole):
            continue
        if last in tokens or (
            len(last) >= SEARCH_PREFIX_MIN_CHARS and any(t.startswith(last) for t in tokens)
        ):
            found.append(message_id)
            if len(found) == SEARCH_PAGE_SIZE:
                break
    return found


def check(world: World, planned: list[Search]) -> list[str]:
    """Each search's first page (or second) against the plain scan: what differs, in words."""
    wrong = []
    for one in planned:
        _elapsed, page, before = run(world.reader, one)
        got = [result.message.id for result in page.results]
        expected = expected_ids(world, one.text, before)
        if got != expected:
            wrong.append(f"{one.kind} {one.text!r}: got {got[:5]}…, expected {expected[:5]}…")
        for result in page.results:
            if "<mark>" not in result.highlighted:
                wrong.append(f"{one.kind} {one.text!r}: nothing marked in {result.message.id}")
    return wrong


# --- sizes ---------------------------------------------------------------------------------


def sizes() -> dict[str, int]:
    """Bytes of the search index and, beside it, of the messages table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_relation_size('chat_message_body_search'),"
                " pg_relation_size('chat_message'), pg_total_relation_size('chat_message')"
            )
            index, table, total = cursor.fetchone()
            return {"index": index, "messages table": table, "messages with indexes": total}
        cursor.execute(
            "SELECT name, SUM(pgsize) FROM dbstat"
            " WHERE name LIKE 'chat_message_fts%' OR name = 'chat_message' GROUP BY name"
        )
        by_name = dict(cursor.fetchall())
    index = sum(size for name, size in by_name.items() if name.startswith("chat_message_fts"))
    return {"index": index, "messages table": by_name.get("chat_message", 0)}
