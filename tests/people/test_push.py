"""Web Push (``chat.people.push``, ``chat.people.push_delivery``): the VAPID keys, kept
subscriptions, and what reaches a device: only the people a message concerns, as each
room's choice says, once per device, decrypted by the device's own keys and signed with
the chat's key; gone devices dropped, failing ones kept; nothing with ``CHAT_PUSH=0``."""

from __future__ import annotations

import base64
import dataclasses
import io
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.templatetags.static import static

from chat.errors import Forbidden, Invalid, NotFound, TooFast
from chat.messages import posting
from chat.models import Instance, Membership, PushSubscription
from chat.people import instance, mutes, push, push_delivery
from chat.rooms import services as rooms
from tests.support.joining import join
from tests.support.messages import say
from tests.support.push_service import push_service, vapid_key_of

# Transactional: a push is enqueued once the message is committed (on_commit).
pytestmark = pytest.mark.django_db(transaction=True)


def choose(room, user, notify: str) -> None:
    Membership.objects.filter(room=room, user=user).update(notify=notify)


def subscribed(push_endpoint, person, *names: str):
    """New devices of ``person`` on ``service``, each subscribed through the push_endpoint."""
    devices = [push_endpoint.device(name) for name in names]
    for device in devices:
        push.subscribe(person, device.subscription, "a browser")
    return devices


# --- the keys ---------------------------------------------------------------------------------


def test_the_key_pair_is_made_once_and_kept_in_the_instance_row():
    private, public = push.keys()

    assert private.startswith("-----BEGIN PRIVATE KEY-----")
    point = base64.urlsafe_b64decode(public + "=" * (-len(public) % 4))
    assert len(point) == 65 and point[0] == 4
    assert push.keys() == (private, public)
    row = Instance.objects.get(pk=instance.PK)
    assert (row.vapid_private_key, row.vapid_public_key) == (private, public)
    key = serialization.load_pem_private_key(private.encode(), None)
    assert key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    ) == point


def test_a_process_that_loses_the_race_uses_the_winners_keys(monkeypatch):
    stale = instance.row()  # read before the other process wrote its pair
    winner = push.keys()
    monkeypatch.setattr(instance, "row", lambda: stale)

    assert push.keys() == winner
    assert Instance.objects.get(pk=instance.PK).vapid_public_key == winner[1]


def test_rotating_makes_a_new_pair_and_forgets_every_subscription(push_endpoint, alice):
    subscribed(push_endpoint, alice, "phone")
    old = push.public_key()

    new = push.rotate()

    assert new != old and push.keys()[1] == new
    assert push.public_key() == new
    assert not PushSubscription.objects.exists()


# --- subscriptions ----------------------------------------------------------------------------


def test_a_subscription_is_kept_for_its_person(push_endpoint, alice):
    [device] = subscribed(push_endpoint, alice, "phone")

    kept = PushSubscription.objects.get()
    assert (kept.user, kept.endpoint, kept.user_agent) == (alice, device.endpoint, "a browser")
    assert kept.p256dh == device.subscription["keys"]["p256dh"]


@pytest.mark.parametrize(
    "change, error",
    [
        ({"endpoint": "http://push.example.com/x"}, "must be an https URL"),
        ({"endpoint": "ftp://push.example.com/x"}, "must be an https URL"),
        ({"endpoint": "https://push.example.com/" + "x" * 1000}, "at most 1000"),
        ({"endpoint": "https://10.0.0.1/x"}, "private network"),
        ({"p256dh": "not base64!"}, "p256dh key is not valid"),
        ({"p256dh": base64.urlsafe_b64encode(b"\x04" + b"1" * 10).decode()}, "p256dh"),
        ({"p256dh": base64.urlsafe_b64encode(b"\x05" + b"1" * 64).decode()}, "p256dh"),
        ({"auth": base64.urlsafe_b64encode(b"1" * 15).decode()}, "auth key is not valid"),
        ({"auth": None}, "required"),
    ],
)
def test_a_malformed_subscription_is_refused(settings, alice, change, error):
    settings.CHAT_PUSH_ALLOW_PRIVATE_URLS = False
    with push_service() as service:
        subscription = service.device("phone").subscription
    subscription["endpoint"] = "https://push.example.com/abc"
    for name, value in change.items():
        if name == "endpoint":
            subscription["endpoint"] = value
        else:
            subscription["keys"][name] = value

    with pytest.raises(Invalid) as refusal:
        push.subscribe(alice, subscription)

    assert error in refusal.value.message
    assert not PushSubscription.objects.exists()


def test_a_person_keeps_at_most_the_cap_of_devices(push_endpoint, alice, monkeypatch):
    monkeypatch.setattr(push, "SUBSCRIPTIONS_PER_PERSON", 2)
    subscribed(push_endpoint, alice, "one", "two")

    with pytest.raises(Forbidden):
        subscribed(push_endpoint, alice, "three")
    subscribed(push_endpoint, alice, "two")  # the same device again is no new one

    assert PushSubscription.objects.filter(user=alice).count() == 2


def test_subscribing_again_and_again_is_limited(push_endpoint, alice, monkeypatch):
    monkeypatch.setattr(push, "SUBSCRIBING", dataclasses.replace(push.SUBSCRIBING, allowed=2))
    subscribed(push_endpoint, alice, "one", "one")

    with pytest.raises(TooFast):
        subscribed(push_endpoint, alice, "one")


def test_only_its_owner_forgets_a_subscription(push_endpoint, alice, bob):
    [device] = subscribed(push_endpoint, alice, "phone")

    with pytest.raises(NotFound):
        push.unsubscribe(bob, device.subscription)
    assert PushSubscription.objects.filter(user=alice).exists()

    push.unsubscribe(alice, device.subscription)
    assert not PushSubscription.objects.exists()


# --- what reaches the devices -----------------------------------------------------------------


def test_a_direct_message_reaches_each_device_once_sealed_and_signed(push_endpoint, alice, bob):
    devices = subscribed(push_endpoint, bob, "phone", "laptop", "tablet")
    room = rooms.open_direct_room(alice, bob)

    [message] = say(room, alice, "are you there?")

    for device in devices:
        [received] = push_endpoint.to(device)
        assert received.headers["Content-Encoding"] == "aes128gcm"
        assert int(received.headers["TTL"]) > 0
        assert vapid_key_of(received) == push.public_key()
        assert device.decrypt(received.body) == {
            "title": "alice",
            "body": "are you there?",
            "url": f"/m/{message.pk}/",
            "tag": f"message-{message.pk}",
            "badge": 1,
            "icon": static("chat/icons/icon-192.png"),
        }
    assert len(push_endpoint.received) == 3
    assert PushSubscription.objects.filter(last_sent_at__isnull=False).count() == 3


def test_a_message_is_pushed_once_however_often_its_task_runs(push_endpoint, alice, bob):
    subscribed(push_endpoint, bob, "phone")
    room = rooms.open_direct_room(alice, bob)
    message = posting.post_message(room, alice, {"body": "once"}).message  # pushed now

    assert push_delivery.push_message(message.pk) == 0
    assert len(push_endpoint.received) == 1


def test_the_author_and_people_it_does_not_concern_get_nothing(push_endpoint, alice, bob, lunch):
    subscribed(push_endpoint, alice, "alice-phone")
    subscribed(push_endpoint, bob, "bob-phone")
    join(bob, "lunch")

    say(lunch, alice, "lunch at noon?")

    assert push_endpoint.received == []


def test_a_mention_in_a_room_reaches_the_person_mentioned(push_endpoint, alice, bob, lunch):
    [device] = subscribed(push_endpoint, bob, "phone")
    join(bob, "lunch")

    [message] = say(lunch, alice, "@bob lunch at noon?")

    [received] = push_endpoint.to(device)
    payload = device.decrypt(received.body)
    assert payload["title"] == "alice in Lunch"
    assert payload["url"] == f"/m/{message.pk}/"


@pytest.mark.parametrize(
    "choice, plain, mention",
    [
        (Membership.Notify.EVERYTHING, 1, 1),
        (Membership.Notify.MENTIONS, 0, 1),
        (Membership.Notify.NOTHING, 0, 0),
    ],
)
def test_push_follows_the_rooms_choice(push_endpoint, alice, bob, choice, plain, mention):
    [device] = subscribed(push_endpoint, bob, "phone")
    room = rooms.open_direct_room(alice, bob)
    choose(room, bob, choice)

    say(room, alice, "are you there?")
    plain_pushes = len(push_endpoint.to(device))
    say(room, alice, "@bob are you there?")

    assert plain_pushes == plain
    assert len(push_endpoint.to(device)) == plain + mention


def test_nothing_reaches_someone_who_muted_the_author(push_endpoint, alice, bob):
    subscribed(push_endpoint, bob, "phone")
    room = rooms.open_direct_room(alice, bob)
    mutes.mute(bob, "alice")

    say(room, alice, "hello?")

    assert push_endpoint.received == []


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_no_longer_knows_is_dropped(push_endpoint, alice, bob, status):
    gone, kept = subscribed(push_endpoint, bob, "gone", "kept")
    push_endpoint.answer(gone, status)

    say(rooms.open_direct_room(alice, bob), alice, "hello")

    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [kept.endpoint]


def test_a_device_whose_push_fails_otherwise_is_kept_and_logged(push_endpoint, alice, bob, caplog):
    [device] = subscribed(push_endpoint, bob, "phone")
    push_endpoint.answer(device, 500)

    with caplog.at_level(logging.WARNING, logger="chat.people.push_delivery"):
        say(rooms.open_direct_room(alice, bob), alice, "hello")

    assert len(push_endpoint.to(device)) == 1
    assert PushSubscription.objects.filter(endpoint=device.endpoint).exists()
    assert "answered 500" in caplog.text


def test_a_push_never_reaches_a_private_address_unless_allowed(push_endpoint, settings, alice, bob):
    [device] = subscribed(push_endpoint, bob, "phone")
    settings.CHAT_PUSH_ALLOW_PRIVATE_URLS = False
    settings.CHAT_FETCH_ALLOW_PRIVATE_URLS = False
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = False

    say(rooms.open_direct_room(alice, bob), alice, "hello")

    assert push_endpoint.received == []
    assert PushSubscription.objects.filter(endpoint=device.endpoint).exists()


def test_push_turned_off_sends_and_takes_nothing(push_endpoint, settings, alice, bob):
    subscribed(push_endpoint, bob, "phone")
    settings.CHAT_PUSH = False

    say(rooms.open_direct_room(alice, bob), alice, "hello")

    assert push_endpoint.received == []
    with pytest.raises(Forbidden):
        push.subscribe(bob, push_endpoint.device("laptop").subscription)


def test_the_command_prints_the_public_key_and_rotates_the_pair(push_endpoint, alice):
    subscribed(push_endpoint, alice, "phone")
    shown = io.StringIO()
    call_command("vapid_keys", stdout=shown)
    assert shown.getvalue().strip() == push.keys()[1]

    rotated = io.StringIO()
    call_command("vapid_keys", "--rotate", stdout=rotated)

    new = push.keys()[1]
    assert rotated.getvalue().strip().endswith(new) and new != shown.getvalue().strip()
    assert not PushSubscription.objects.exists()
