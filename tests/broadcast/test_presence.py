"""Who is online (``chat.broadcast.presence``): heartbeats in the cache, and each room's
members list, rendered once and sent coalesced."""

from __future__ import annotations

import logging
import time

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.cache.backends import base as cache_base
from django.core.cache.backends import locmem as cache_locmem

from chat.broadcast import events, fanout, presence
from chat.models import Membership
from tests.support.events import record_events
from tests.support.joining import ajoin, join

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_members_lists"),
]

TIMEOUT = 3
MEMBERS = '<div id="members" class="members" hx-swap-oob="true">'


class FakeClock:
    """Stands in for the ``time`` module where only ``time.time()`` is read."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


class DownCache:
    """A cache whose every call fails, as an unreachable Redis does."""

    def __getattr__(self, name: str):
        def down(*args, **kwargs):
            raise ConnectionError("the cache is down")

        return down


def mark_online(user, process: str = "elsewhere", clock=time) -> None:
    """Write what a process holding a socket of ``user`` writes: the person's entry, expiring
    after CHAT_PRESENCE_SECONDS, and the process in the registry."""
    cache.set(f"presence:{user.pk}:{process}", 1, settings.CHAT_PRESENCE_SECONDS)
    registry = cache.get("presence:processes") or {}
    registry[process] = clock.time()
    cache.set("presence:processes", registry, None)


def online_entry(user) -> str:
    return f'<li data-user-id="{user.pk}" class="member online">'


def newcomers(room, count: int) -> list:
    """``count`` new members of ``room`` (no password hashing: they never sign in)."""
    people = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"person{n:02}") for n in range(count)]
    )
    Membership.objects.bulk_create([Membership(room=room, user=person) for person in people])
    return people


async def members_frame_showing(socket, user) -> str:
    """The next members list ``socket`` receives that shows ``user`` online."""
    while True:
        html = await socket.receive_from(TIMEOUT)
        if html.startswith(MEMBERS) and online_entry(user) in html:
            return html


# --- who is online ----------------------------------------------------------------------


def test_online_of_nobody_is_empty():
    assert presence.online([]) == set()


def test_online_without_sockets_is_empty(alice, bob):
    assert presence.online([alice.pk, bob.pk]) == set()


async def test_online_a_person_with_an_open_room_socket(open_socket, alice, bob, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)
    await members_frame_showing(socket, alice)  # her arrival is recorded by then

    here = await database_sync_to_async(presence.online)([alice.pk, bob.pk])

    assert here == {alice.pk}


async def test_online_a_person_is_offline_again_once_the_socket_closes(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)
    await members_frame_showing(socket, alice)

    await socket.disconnect()

    assert await database_sync_to_async(presence.online)([alice.pk]) == set()


def test_online_people_of_a_killed_process_go_offline_once_its_entries_expire(alice, monkeypatch):
    clock = FakeClock(1_000_000.0)
    for module in (presence, cache_base, cache_locmem):
        monkeypatch.setattr(module, "time", clock)
    mark_online(alice, process="killed", clock=clock)  # then nothing more: killed with -9
    assert presence.online([alice.pk]) == {alice.pk}

    clock.now += settings.CHAT_PRESENCE_SECONDS + 1

    assert presence.online([alice.pk]) == set()


async def test_a_process_that_falls_silent_shows_its_people_online_for_30_seconds(
    alice, monkeypatch
):
    # The entries are the ones Presence writes as a socket of alice's opens here; then
    # the process says nothing more (killed with -9). The README's default: 30 s.
    clock = FakeClock(1_000_000.0)
    for module in (presence, cache_base, cache_locmem):
        monkeypatch.setattr(module, "time", clock)
    monkeypatch.setattr(presence, "FLUSH_SECONDS", 3600)
    await presence.presence().arrive(alice.pk)

    clock.now += 29.5
    assert presence.online([alice.pk]) == {alice.pk}

    clock.now += 1
    assert presence.online([alice.pk]) == set()


def test_online_with_the_cache_down_is_empty_and_logged(alice, monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger="chat.broadcast.presence")
    mark_online(alice)
    monkeypatch.setattr(presence, "cache", DownCache())

    here = presence.online([alice.pk])

    assert here == set()
    logged = [r for r in caplog.records if r.name == "chat.broadcast.presence"]
    assert [(r.levelname, r.getMessage()) for r in logged] == [
        ("WARNING", "presence unknown, the cache failed (ConnectionError('the cache is down'))")
    ]


# --- the members list ---------------------------------------------------------------------


def test_members_frame_marks_who_is_online(alice, bob, lunch):
    join(bob, "lunch")
    mark_online(alice)

    html = presence.members_frame(lunch.id)

    assert html.startswith(MEMBERS)
    assert online_entry(alice) in html
    assert f'<li data-user-id="{bob.pk}" class="member">' in html


def test_members_frame_with_the_cache_down_shows_everyone_away(alice, lunch, monkeypatch):
    mark_online(alice)
    monkeypatch.setattr(presence, "cache", DownCache())

    html = presence.members_frame(lunch.id)

    assert f'<li data-user-id="{alice.pk}" class="member">' in html


async def test_members_frame_reaches_a_room_socket_when_someone_arrives(
    open_socket, alice, bob, lunch
):
    await ajoin(bob, "lunch")
    alice_socket = await open_socket("/ws/r/lunch/", alice)
    await members_frame_showing(alice_socket, alice)  # her own arrival, out of the way

    await open_socket("/ws/r/lunch/", bob)

    html = await members_frame_showing(alice_socket, bob)
    assert online_entry(alice) in html


async def test_members_frame_drawn_while_a_socket_joins_its_room_still_reaches_it(
    open_socket, alice, lunch, monkeypatch
):
    # Joining the room's groups awaits the channel layer, so a flush can run meanwhile.
    # The list showing alice must not be drawn before her socket listens: it would reach
    # everyone but her, and, unchanged since, never be sent again.
    hub = fanout.fanout()
    attach = hub.attach

    async def flush_then_attach(socket, groups):
        await presence.presence().flush()
        await attach(socket, groups)

    monkeypatch.setattr(hub, "attach", flush_then_attach)

    alice_socket = await open_socket("/ws/r/lunch/", alice)

    await members_frame_showing(alice_socket, alice)


async def test_a_members_list_drawn_earlier_but_arriving_last_is_corrected(
    open_socket, alice, lunch
):
    # A flush drew the list just before someone joined; the join's own list went out
    # first, and the older one arrived after it: the pages show the older one.
    socket = await open_socket("/ws/r/lunch/", alice)
    current = await members_frame_showing(socket, alice)
    await fanout.fanout().dispatch(events.members(lunch.id, f"{MEMBERS}drawn earlier</div>"))
    assert "drawn earlier" in await socket.receive_from(TIMEOUT)

    assert await members_frame_showing(socket, alice) == current


async def test_members_frame_is_the_same_string_for_every_reader(
    open_socket, alice, bob, mallory, lunch
):
    for person in (bob, mallory):
        await ajoin(person, "lunch")
    alice_socket = await open_socket("/ws/r/lunch/", alice)
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await open_socket("/ws/r/lunch/", mallory)

    seen_by_alice = await members_frame_showing(alice_socket, mallory)
    assert await members_frame_showing(bob_socket, mallory) == seen_by_alice


# --- coalescing -----------------------------------------------------------------------------


async def test_flush_sends_fifty_arrivals_as_one_members_list(lunch, monkeypatch):
    people = await database_sync_to_async(newcomers)(lunch, 50)
    monkeypatch.setattr(presence, "FLUSH_SECONDS", 3600)  # only the test flushes
    sent = record_events(monkeypatch)
    here = presence.presence()
    for person in people:
        await here.arrive(person.pk)

    await here.flush()

    [members] = sent
    assert (members["group"], members["type"]) == (fanout.room_group(lunch.id), events.MEMBERS)
    assert members["html"].count('class="member online"') == 50


async def test_flush_sends_nothing_when_the_list_is_unchanged(alice, bob, lunch, monkeypatch):
    await ajoin(bob, "lunch")
    await database_sync_to_async(mark_online)(bob)  # online through another process
    monkeypatch.setattr(presence, "FLUSH_SECONDS", 3600)
    sent = record_events(monkeypatch)
    here = presence.presence()
    await here.arrive(alice.pk)
    await here.flush()
    assert len(sent) == 1

    await here.arrive(bob.pk)  # online here too: the list stays the same
    await here.flush()

    assert len(sent) == 1


async def test_flush_skips_a_list_another_process_sent(alice, lunch, monkeypatch):
    # Alice is online through another process, which sent the list showing it.
    await database_sync_to_async(mark_online)(alice)
    html = await database_sync_to_async(presence.members_frame)(lunch.id)
    monkeypatch.setattr(presence, "FLUSH_SECONDS", 3600)
    sent = record_events(monkeypatch)
    here = presence.presence()
    await fanout.fanout().dispatch(events.members(lunch.id, html))

    await here.arrive(alice.pk)  # a socket of hers opens here too
    await here.flush()

    assert sent == []


# --- heartbeats -----------------------------------------------------------------------------


async def test_a_heartbeat_draws_no_list_that_shows_who_is_online(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)
    await members_frame_showing(socket, alice)  # drawn and sent as she arrived
    here = presence.presence()

    await here.beat()

    assert here.dirty == set()


async def test_a_heartbeat_draws_again_a_list_showing_someone_whose_process_fell_silent(
    open_socket, alice, bob, lunch
):
    await ajoin(bob, "lunch")
    await database_sync_to_async(mark_online)(bob)  # through another process
    socket = await open_socket("/ws/r/lunch/", alice)
    await members_frame_showing(socket, bob)
    # That process was killed: its entry for bob expired, and nobody said so.
    await database_sync_to_async(cache.delete)(f"presence:{bob.pk}:elsewhere")
    here = presence.presence()

    await here.beat()

    assert here.dirty == {lunch.id}
    while True:  # the next flush sends the list showing bob away
        html = await socket.receive_from(TIMEOUT)
        if html.startswith(MEMBERS) and online_entry(bob) not in html:
            break
    assert online_entry(alice) in html


async def test_a_heartbeat_draws_again_a_list_another_process_sent(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice)
    await members_frame_showing(socket, alice)
    # Another process drew the list since (a name changed there, say): what it shows is
    # not known here.
    await fanout.fanout().dispatch(events.members(lunch.id, f"{MEMBERS}</div>"))
    here = presence.presence()

    await here.beat()

    assert here.dirty == {lunch.id}
