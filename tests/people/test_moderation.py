"""Bans (``chat.people.moderation``, ``chat.people.bans``): who may ban whom, what a ban does
to the account, the address it refuses new accounts from and for how long, and the purge of
a banned person's messages and files, in batches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from chat.bots import services as bots
from chat.errors import Forbidden, Invalid, NotFound
from chat.messages import posting
from chat.models import Attachment, AuditEntry, Ban, LinkPreview, Message, Profile, Room
from chat.people import accounts, bans, invitations, moderation
from chat.rooms import services as rooms
from tests.support.accounts import PASSWORD
from tests.support.attachments import attach
from tests.support.events import record_events
from tests.support.files import png, stored_files
from tests.support.invitations import invite
from tests.support.joining import join
from tests.support.messages import post_many, revision_of, said, write_to
from tests.support.previews import give_preview
from tests.support.signups import signup_data

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.7"
OTHER_ADDRESS = "198.51.100.8"
A_WEEK = {"days": "7"}
TOMBSTONE = '<p class="body tombstone">This message was deleted.</p>'


def reload(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def signed_in_bob(bob) -> Client:
    """bob, signed in on the login page from ``ADDRESS``."""
    client = Client(REMOTE_ADDR=ADDRESS)
    client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    return client


# --- the address a person comes from --------------------------------------------------


def test_signing_in_records_the_address(signed_in_bob, bob):
    assert Profile.objects.get(user=bob).last_address == ADDRESS


def test_signing_up_records_the_address(settings):
    settings.CHAT_SIGNUP = "open"
    Client().post("/accounts/signup/", signup_data("newcomer"), REMOTE_ADDR=OTHER_ADDRESS)

    assert Profile.objects.get(user__username="newcomer").last_address == OTHER_ADDRESS


def test_an_address_that_is_not_one_is_kept_as_unknown(bob):
    bans.record_address(bob, "unix-socket")

    assert Profile.objects.get(user=bob).last_address is None


# --- who may ban whom -----------------------------------------------------------------


def test_members_may_not_ban(alice, bob):
    with pytest.raises(NotFound):
        moderation.ban(alice, bob.pk, A_WEEK)

    assert reload(bob).is_active


def test_nobody_bans_themselves(admin):
    with pytest.raises(Forbidden) as refused:
        moderation.ban(admin, admin.pk, A_WEEK)

    assert refused.value.message == moderation.NOT_YOURSELF
    assert not Ban.objects.exists()


def test_only_a_superuser_bans_a_superuser(admin, root):
    with pytest.raises(Forbidden):
        moderation.ban(admin, root.pk, A_WEEK)
    assert moderation.people_page(admin).object_list[-1].may_ban is False


def test_bots_are_not_banned_here(admin, alice, lunch):
    bot, _token = bots.create_bot(lunch, alice, {"name": "helper"})

    with pytest.raises(NotFound):
        moderation.ban(admin, bot.user_id, A_WEEK)


def test_a_length_that_is_not_offered_is_refused(admin, bob):
    with pytest.raises(Invalid) as refused:
        moderation.ban(admin, bob.pk, {"days": "365"})

    assert refused.value.message == "Pick a day, a week or a month."
    assert reload(bob).is_active


# --- what a ban does ------------------------------------------------------------------


def test_a_ban_deactivates_signs_out_and_logs(
    admin, bob, signed_in_bob, lunch, django_capture_on_commit_callbacks
):
    key = signed_in_bob.session.session_key
    join(bob, "lunch")
    bot, _token = bots.create_bot(lunch, bob, {"name": "bobs-bot"})

    with django_capture_on_commit_callbacks(execute=True):
        banned = moderation.ban(admin, bob.pk, A_WEEK)

    assert reload(bob).is_active is False
    assert accounts.why_session_ended(key, bob.pk) == accounts.SIGNED_OUT
    assert signed_in_bob.get("/").status_code == 302  # to the login page
    bot.refresh_from_db()
    assert bot.revoked_at is not None
    ban = Ban.objects.get()
    assert (ban.user, ban.address, ban.purged, ban.created_by) == (bob, ADDRESS, False, admin)
    lasts = ban.until - timezone.now()
    assert timedelta(days=7) - timedelta(minutes=1) < lasts <= timedelta(days=7)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target) == (admin, AuditEntry.Action.BANNED, bob)
    assert entry.details.startswith("new accounts refused from their last address until ")
    assert entry.details.endswith("; messages kept")
    assert banned.done == "bob was banned and signed out everywhere."
    assert Message.objects.count() == 0


def test_someone_deactivated_may_be_banned_too(admin, bob):
    bob.is_active = False
    bob.save()

    moderation.ban(admin, bob.pk, {"days": "1"})

    assert Ban.objects.get().address is None  # never signed in
    assert "no known address" in AuditEntry.objects.get().details


# --- sign-ups from a banned address ---------------------------------------------------


def test_sign_ups_from_the_address_are_refused_until_the_ban_ends(
    admin, bob, signed_in_bob, settings, monkeypatch
):
    settings.CHAT_SIGNUP = "open"
    moderation.ban(admin, bob.pk, {"days": "1"})

    with pytest.raises(Forbidden) as refused:
        accounts.sign_up(signup_data("bob2"), ADDRESS)
    assert refused.value.message == bans.BANNED_ADDRESS
    assert "bob" not in refused.value.message
    accounts.sign_up(signup_data("someone"), OTHER_ADDRESS)  # another address is welcome

    a_day_later = timezone.now() + timedelta(days=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: a_day_later)
    accounts.sign_up(signup_data("bob3"), ADDRESS)

    assert set(get_user_model().objects.values_list("username", flat=True)) >= {"someone", "bob3"}
    assert not get_user_model().objects.filter(username="bob2").exists()


def test_joining_by_invitation_from_the_address_is_refused(
    admin, alice, bob, signed_in_bob, by_invitation
):
    _invitation, token = invite(alice)
    moderation.ban(admin, bob.pk, A_WEEK)

    with pytest.raises(Forbidden) as refused:
        invitations.join(token, signup_data("bob2"), ADDRESS)

    assert refused.value.message == bans.BANNED_ADDRESS
    assert invitations.join(token, signup_data("carol"), OTHER_ADDRESS).username == "carol"


# --- the purge ------------------------------------------------------------------------


def test_a_purge_deletes_every_message_in_batches_each_sent_once_committed(
    admin, alice, bob, lunch, monkeypatch
):
    monkeypatch.setattr(moderation, "PURGE_BATCH", 100)
    join(bob, "lunch")
    private = rooms.create_room(bob, {"title": "Bob's", "kind": Room.Kind.PRIVATE})
    post_many(lunch, bob, 120)
    post_many(private, bob, 110)
    dm, _posted = write_to(bob, alice, "psst")
    kept = said(lunch, alice, "alice stays")
    revisions = {room.pk: revision_of(room) for room in (lunch, private, dm)}
    sent = []
    record_events(monkeypatch)
    monkeypatch.setattr(
        "chat.broadcast.fanout.send",
        lambda event: sent.append((event, len(connection.savepoint_ids))) or True,
    )
    # The test runs inside a transaction of its own: a batch's is a savepoint in it.
    outside = len(connection.savepoint_ids)

    banned = moderation.ban(admin, bob.pk, {"days": "7", "purge": "on"})

    assert banned.purged == moderation.Purged(messages=231, batches=3)
    assert banned.done == (
        "bob was banned and signed out everywhere; 231 of their messages were deleted."
    )
    assert not Message.objects.filter(author=bob, deleted=False).exists()
    assert Message.objects.filter(author=bob, deleted=True, body="").count() == 231
    kept.refresh_from_db()
    assert kept.body == "alice stays"
    tombstones = [event for event, _inside in sent if event["type"] == "chat.message"]
    assert len(tombstones) == 231
    assert all(TOMBSTONE in event["html"] for event in tombstones)
    assert {depth for _event, depth in sent} == {outside}  # never while a batch is open
    assert revision_of(lunch) == revisions[lunch.pk] + 120
    assert revision_of(private) == revisions[private.pk] + 110
    assert revision_of(dm) == revisions[dm.pk] + 1
    assert Ban.objects.get().purged is True
    assert AuditEntry.objects.get().details.endswith("; messages and files deleted")


def test_a_purge_takes_files_thumbnails_and_pictures_out_of_storage(
    admin, alice, bob, lunch, media_root, django_capture_on_commit_callbacks
):
    join(bob, "lunch")
    attach(lunch, bob, "chart.png", png(800, 600), body="look")
    attach(lunch, bob, "notes.txt", b"notes")
    linked = said(lunch, bob, "https://harbour.example/menu")
    give_preview(linked)
    attach(lunch, alice, "alice.txt", b"hers")
    assert len(stored_files(media_root)) == 5  # image, thumbnail, file, picture, hers

    with django_capture_on_commit_callbacks(execute=True):
        moderation.ban(admin, bob.pk, {"days": "7", "purge": "on"})

    [hers] = Attachment.objects.all()
    assert stored_files(media_root) == [media_root / hers.file.name]
    assert not LinkPreview.objects.exists()


def test_a_reply_quoting_a_purged_message_is_sent_again(admin, alice, bob, lunch, monkeypatch):
    join(bob, "lunch")
    original = said(lunch, bob, "spam")
    answer = {"body": "stop it", "reply_to": str(original.id)}
    reply = posting.post_message(lunch, alice, answer).message
    sent = record_events(monkeypatch)

    moderation.purge(bob)

    assert [event["id"] for event in sent] == [original.id, reply.id]
    assert "spam" not in sent[1]["html"]
