"""What every socket of a person shares (``chat.sockets.persons``), tried on the room socket
through the full ASGI application: who may connect and the close code that says why not,
sockets that end with the right to them or with the session, and how many one person may
hold."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest
from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.contrib.auth import get_user_model
from django.core.cache import cache

from chat.broadcast import fanout, presence
from chat.models import Message, Profile
from chat.rooms import services as rooms
from tests.support.sockets import TIMEOUT, drain, frame, receive_frames, refused_with

pytestmark = pytest.mark.django_db(transaction=True)


# --- who may connect -------------------------------------------------------------
# Refusals that the page must act on are accepted and closed with a code that says why;
# sockets from another origin never get that far.


async def test_anonymous_socket_is_closed_as_signed_out(open_socket, lunch):
    socket = await open_socket("/ws/r/lunch/", None)

    await refused_with(socket, 4401)


async def test_wrong_origin_socket_is_refused_at_the_handshake(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice, origin=b"http://evil.example")

    assert not socket.accepted


async def test_socket_without_origin_is_refused_at_the_handshake(open_socket, alice, lunch):
    socket = await open_socket("/ws/r/lunch/", alice, origin=b"")

    assert not socket.accepted


async def test_non_member_cannot_listen_to_private_room(open_socket, mallory, secret):
    socket = await open_socket(f"/ws/r/{secret.slug}/", mallory)

    await refused_with(socket, 4403)


async def test_member_can_listen_to_private_room(open_socket, alice, secret):
    socket = await open_socket(f"/ws/r/{secret.slug}/", alice)

    assert await socket.receive_nothing(timeout=0.1)


async def test_unknown_room_is_closed_like_a_private_one(open_socket, alice):
    socket = await open_socket("/ws/r/nowhere/", alice)

    await refused_with(socket, 4403)


async def test_third_person_cannot_listen_to_direct_room(open_socket, alice, bob, mallory):
    await database_sync_to_async(rooms.open_direct_room)(alice, bob)
    alice_socket = await open_socket("/ws/p/bob/", alice)
    # Mallory's sockets are her own conversations with each of them (none begun yet).
    snooping = [await open_socket(f"/ws/p/{name}/", mallory) for name in ("bob", "alice")]

    await alice_socket.send_to(text_data=frame(body="for bob only"))

    assert any("for bob only" in f for f in await drain(alice_socket))
    for socket in snooping:
        assert not any("for bob only" in f for f in await drain(socket))


async def test_unknown_user_direct_socket_is_closed(open_socket, alice):
    await refused_with(await open_socket("/ws/p/nobody/", alice), 4403)


async def test_unreachable_layer_closes_with_try_again_later(
    open_socket, alice, lunch, monkeypatch
):
    async def unreachable(*args, **kwargs):
        raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(fanout.Fanout, "attach", unreachable)

    await refused_with(await open_socket("/ws/r/lunch/", alice), 1013)


@pytest.mark.parametrize("path", ["/ws/anything/", "/ws/r/", "/elsewhere"])
async def test_a_socket_to_no_route_is_refused_quietly(open_socket, path, caplog):
    socket = await open_socket(path, None)

    assert not socket.accepted
    assert [r for r in caplog.records if r.levelname in {"ERROR", "CRITICAL"}] == []


# --- sockets end with the right to them -------------------------------------------


async def test_logging_out_closes_that_sessions_sockets(open_socket, login, alice, bob, lunch):
    laptop = await database_sync_to_async(login)(alice)
    laptop_socket = await open_socket("/ws/r/lunch/", alice, client=laptop)
    phone_socket = await open_socket("/ws/r/lunch/", alice)  # another session of hers
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await database_sync_to_async(laptop.post)("/accounts/logout/")

    assert await laptop_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}
    assert await phone_socket.receive_nothing(timeout=0.2)
    assert await bob_socket.receive_nothing(timeout=0.2)


async def test_removed_member_is_disconnected_at_once(open_socket, login, alice, bob, secret):
    await database_sync_to_async(rooms.add_member)(secret, alice, {"username": "bob"})
    bob_socket = await open_socket(f"/ws/r/{secret.slug}/", bob)
    client = await database_sync_to_async(login)(alice)

    await database_sync_to_async(client.post)(
        f"/r/{secret.slug}/members/remove", {"username": "bob"}
    )

    assert await bob_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4403}
    await refused_with(await open_socket(f"/ws/r/{secret.slug}/", bob), 4403)


# --- sockets end with the session ----------------------------------------------------


async def test_deactivating_an_account_closes_its_sockets(open_socket, alice, bob, lunch):
    bob_socket = await open_socket("/ws/r/lunch/", bob)
    alice_socket = await open_socket("/ws/r/lunch/", alice)

    bob.is_active = False
    await bob.asave()

    assert await bob_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}
    assert await alice_socket.receive_nothing(timeout=0.2)


async def test_an_account_deactivated_without_a_signal_may_not_post(open_socket, bob, lunch):
    bob_socket = await open_socket("/ws/r/lunch/", bob)
    # As a script or a bulk admin action would: QuerySet.update() sends no signal, so
    # nothing tells the socket; it must find out as it stores the post.
    await get_user_model().objects.filter(pk=bob.pk).aupdate(is_active=False)

    await bob_socket.send_json_to({"body": "still here?"})

    assert await bob_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}
    assert not await Message.objects.filter(body="still here?").aexists()


async def test_a_new_password_closes_the_sockets_of_other_sessions(open_socket, bob, lunch):
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    bob.set_password("A-whole-new-password-77")
    await bob.asave()

    # Its own code: the page takes the person to the login page saying why.
    assert await bob_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4402}


async def test_a_sign_in_elsewhere_leaves_sockets_open(open_socket, login, bob, lunch):
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await database_sync_to_async(login)(bob)  # saves last_login, nothing else

    assert await bob_socket.receive_nothing(timeout=0.3)


# --- how many sockets one person holds ------------------------------------------


async def test_a_socket_past_the_persons_cap_is_refused_with_4409(
    open_socket, settings, alice, bob, lunch
):
    settings.CHAT_SOCKETS_PER_PERSON = 3
    held = [
        await open_socket("/ws/r/lunch/", alice),
        await open_socket("/ws/lobby/", alice),
        await open_socket("/ws/r/lunch/", alice),
    ]
    assert all(socket.accepted for socket in held)

    await refused_with(await open_socket("/ws/r/lunch/", alice), 4409)
    await refused_with(await open_socket("/ws/lobby/", alice), 4409)
    assert (await open_socket("/ws/r/lunch/", bob)).accepted  # the cap is each person's own

    await held.pop().disconnect()
    again = await open_socket("/ws/r/lunch/", alice)
    await again.send_to(text_data=frame(body="back in"))
    assert "back in" in "".join(await receive_frames(again, 2))


async def test_the_socket_cap_counts_the_sockets_other_processes_hold(
    open_socket, settings, alice, lunch
):
    settings.CHAT_SOCKETS_PER_PERSON = 3
    # What another server process writes for the two sockets of alice's it holds.
    cache.set(f"presence:{alice.pk}:elsewhere", 2, settings.CHAT_PRESENCE_SECONDS)
    cache.set("presence:processes", {"elsewhere": time.time()}, None)

    assert (await open_socket("/ws/r/lunch/", alice)).accepted
    await refused_with(await open_socket("/ws/r/lunch/", alice), 4409)
    # Written for the other processes to count: this one holds one of hers.
    assert cache.get(f"presence:{alice.pk}:{presence.PROCESS}") == 1


# --- what an open socket holds ---------------------------------------------------


async def test_an_open_socket_runs_in_its_applications_task_alone(open_socket, alice, bob, lunch):
    await open_socket("/ws/r/lunch/", alice)  # the process's own tasks start with the first
    before = len(asyncio.all_tasks())

    socket = await open_socket("/ws/r/lunch/", bob)

    assert socket.accepted
    # The communicator's task for the application, and no task of the socket's own
    # waiting on its input (Channels' consumer keeps one for as long as it is open).
    assert len(asyncio.all_tasks()) == before + 1


async def test_a_room_socket_opens_in_two_trips_to_the_database_thread(
    open_socket, alice, lunch, monkeypatch
):
    trips: list[str] = []
    trip = DatabaseSyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        trips.append(getattr(self.func, "__name__", repr(self.func)))
        return await trip(self, *args, **kwargs)

    await open_socket("/ws/r/lunch/", alice)  # the cookie is made on the thread too
    monkeypatch.setattr(DatabaseSyncToAsync, "__call__", counted)

    socket = await open_socket("/ws/r/lunch/", alice)

    assert socket.accepted
    # Who the session signs in; then the room, the profile and presence's count together.
    assert trips == ["session_cookie", "signed_in", "_opening"]


def _profiles_of(user) -> int:
    """How many profiles of ``user`` are alive, collected or not."""
    alive = gc.get_objects()
    # type(), not isinstance(): isinstance reads ``__class__``, which makes a lazy object
    # left from an earlier test evaluate (a request's CSP nonce raises once it is sent).
    return sum(1 for held in alive if type(held) is Profile and held.user_id == user.pk)


async def test_a_closed_sockets_person_goes_with_it_not_with_the_collector(
    open_socket, alice, lunch, no_collector
):
    # The socket reads its person's profile at connect; Django caches the one-to-one on
    # both sides, so the user and the profile hold each other.
    before = _profiles_of(alice)
    socket = await open_socket("/ws/r/lunch/", alice)
    assert socket.accepted
    assert _profiles_of(alice) == before + 1

    await socket.disconnect()

    assert _profiles_of(alice) == before


async def test_a_socket_refused_for_its_room_leaves_its_person_uncounted(
    open_socket, alice, lunch, secret, mallory
):
    await open_socket(f"/ws/r/{secret.slug}/", mallory)  # refused: not a member

    assert presence.presence().local[mallory.pk] == 0
