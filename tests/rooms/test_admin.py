"""A room's admin (``chat.rooms.admin``): who may rename, convert, archive, unarchive and
delete a room; what each does; what an archived room refuses; what staff leave in the
audit log."""

from __future__ import annotations

import pytest

from chat.errors import Forbidden, Invalid, Missing, NotFound
from chat.messages import edits, search
from chat.models import Attachment, AuditEntry, LinkPreview, Message, Room
from chat.rooms import admin as room_admin
from chat.rooms import lobby
from chat.rooms import services as rooms
from tests.support.attachments import attach
from tests.support.files import png, stored_files
from tests.support.joining import join
from tests.support.messages import react, said, say, write_to
from tests.support.previews import give_preview
from tests.support.search import found_bodies

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(bob, lunch):
    join(bob, lunch.slug)
    return bob


# --- who may -------------------------------------------------------------------------


def test_the_creator_and_staff_may_administer_a_room(alice, admin, lunch, secret):
    assert admin_rights(lunch, alice) and admin_rights(lunch, admin)
    assert admin_rights(secret, alice) and admin_rights(secret, admin)


def admin_rights(room: Room, person) -> bool:
    return room_admin.may_administer(room, person)


def test_a_member_who_did_not_make_the_room_may_not(member, lunch):
    assert not room_admin.may_administer(lunch, member)
    with pytest.raises(Forbidden, match="Only the room's creator or a staff member"):
        room_admin.rename(lunch, member, {"title": "Brunch"})
    with pytest.raises(Forbidden):
        room_admin.archive(lunch, member)
    with pytest.raises(Forbidden):
        room_admin.delete(lunch, member, {"confirm": "Lunch"})
    lunch.refresh_from_db()
    assert (lunch.title, lunch.archived_at) == ("Lunch", None)


def test_an_inactive_staff_member_may_not(admin, lunch):
    admin.is_active = False
    assert not admin_rights(lunch, admin)


def test_direct_and_group_conversations_have_no_admin(alice, bob, admin):
    room, _posted = write_to(alice, bob, "hi")
    group = Room.objects.create(slug="g.1", title="Group", kind=Room.Kind.GROUP, created_by=alice)
    for conversation in (room, group):
        assert not room_admin.may_administer(conversation, alice)
        assert not room_admin.may_administer(conversation, admin)
        with pytest.raises(Missing, match="no settings of this kind"):
            room_admin.rename(conversation, alice, {"title": "Ours"})
        with pytest.raises(Missing):
            room_admin.archive(conversation, admin)


# --- rename ----------------------------------------------------------------------------


def test_renaming_keeps_the_address(alice, lunch):
    room_admin.rename(lunch, alice, {"title": "Brunch & more"})

    lunch.refresh_from_db()
    assert (lunch.title, lunch.slug) == ("Brunch & more", "lunch")
    assert rooms.readable_room(alice, "lunch").title == "Brunch & more"


def test_a_blank_name_is_refused(alice, lunch):
    with pytest.raises(Invalid, match=r"Give the room a name\."):
        room_admin.rename(lunch, alice, {"title": "  \u200b "})
    lunch.refresh_from_db()
    assert lunch.title == "Lunch"


def test_a_renamed_room_is_listed_by_its_new_name(alice, lunch):
    room_admin.rename(lunch, alice, {"title": "Brunch"})

    groups, _directs = lobby.my_rooms(alice)
    assert [entry.name for entry in groups] == ["Brunch"]
    assert [room.title for room in lobby.public_rooms()] == ["Brunch"]


# --- public or private -----------------------------------------------------------------


def test_the_confirmation_counts_who_loses_and_who_keeps(alice, bob, mallory, member, lunch):
    planned = room_admin.conversion(lunch, alice, {"kind": "private"})

    assert (planned.to_private, planned.members, planned.others) == (True, 2, 1)
    lunch.refresh_from_db()
    assert lunch.kind == Room.Kind.PUBLIC  # asking changes nothing


def test_converting_to_the_same_kind_is_refused(alice, lunch):
    with pytest.raises(Invalid, match=r"This room is public already\."):
        room_admin.conversion(lunch, alice, {"kind": "public"})


def test_a_room_made_private_is_gone_for_its_former_readers(alice, mallory, lunch):
    said(lunch, alice, "the secret recipe")
    assert found_bodies(search.search(mallory, "recipe")) == ["the secret recipe"]

    room_admin.convert(lunch, alice, {"kind": "private", "confirmed": "1"})

    assert found_bodies(search.search(mallory, "recipe")) == []
    assert found_bodies(search.search(alice, "recipe")) == ["the secret recipe"]
    with pytest.raises(NotFound):  # as for a room that does not exist
        rooms.readable_room(mallory, "lunch")
    assert list(lobby.public_rooms()) == []


def test_a_room_made_public_is_open_to_everyone(alice, mallory, secret):
    said(secret, alice, "plans for the party")
    room_admin.convert(secret, alice, {"kind": "public", "confirmed": "1"})

    assert rooms.readable_room(mallory, secret.slug) == secret
    assert found_bodies(search.search(mallory, "party")) == ["plans for the party"]


# --- archive ---------------------------------------------------------------------------


def test_an_archived_room_refuses_every_change(alice, lunch, media_root):
    message = said(lunch, alice, "before")
    room_admin.archive(lunch, alice)

    with pytest.raises(Forbidden, match="This room is archived"):
        say(lunch, alice, "after")
    with pytest.raises(Forbidden, match="This room is archived"):
        edits.edit_message(alice, message.id, {"body": "changed"})
    with pytest.raises(Forbidden, match="This room is archived"):
        react(alice, message)
    with pytest.raises(Forbidden, match="This room is archived"):
        edits.delete_message(alice, message.id)
    lunch.refresh_from_db()
    with pytest.raises(Forbidden, match="This room is archived"):
        attach(lunch, alice, "plan.png", png(20, 20))
    assert [m.body for m in Message.objects.all()] == ["before"]
    assert stored_files(media_root) == []


def test_a_socket_read_before_the_archive_is_refused_too(alice, lunch):
    stale = Room.objects.get(pk=lunch.pk)  # as a socket read it when it connected
    room_admin.archive(lunch, alice)

    with pytest.raises(Forbidden, match="This room is archived"):
        say(stale, alice, "after")
    assert not Message.objects.exists()


def test_an_archived_room_leaves_the_lobby_and_the_sidebar_but_not_search(alice, member, lunch):
    said(lunch, alice, "soup on friday")
    room_admin.archive(lunch, alice)

    assert lobby.my_rooms(member) == ([], [])
    assert lobby.sidebar(member, "/")["sidebar_rooms"] == []
    assert list(lobby.public_rooms()) == []
    assert found_bodies(search.search(member, "soup")) == ["soup on friday"]
    assert rooms.readable_room(member, "lunch") == lunch  # old links keep working


def test_unarchiving_restores_everything(alice, member, lunch):
    room_admin.archive(lunch, alice)
    room_admin.unarchive(lunch, alice)

    assert [entry.name for entry in lobby.my_rooms(member)[0]] == ["Lunch"]
    assert [room.title for room in lobby.public_rooms()] == ["Lunch"]
    assert say(lunch, member, "back again")[0].body == "back again"


def test_archiving_twice_and_unarchiving_an_open_room_are_refused(alice, lunch):
    with pytest.raises(Forbidden, match="not archived"):
        room_admin.unarchive(lunch, alice)
    room_admin.archive(lunch, alice)
    with pytest.raises(Forbidden, match="archived already"):
        room_admin.archive(lunch, alice)


# --- delete ----------------------------------------------------------------------------


def test_deleting_takes_every_message_and_file_out_of_storage(
    alice, lunch, media_root, django_capture_on_commit_callbacks
):
    attach(lunch, alice, "plan.png", png(300, 200), body="the plan")
    give_preview(said(lunch, alice, "see https://harbour.example/menu"))
    assert len(stored_files(media_root)) == 3  # the file, its thumbnail, the preview's picture

    with django_capture_on_commit_callbacks(execute=True):
        room_admin.delete(lunch, alice, {"confirm": "Lunch"})

    assert not Room.objects.filter(pk=lunch.pk).exists()
    assert not Message.objects.exists()
    assert not Attachment.objects.exists() and not LinkPreview.objects.exists()
    assert stored_files(media_root) == []


def test_deleting_needs_the_name_typed_exactly(alice, lunch):
    said(lunch, alice)
    with pytest.raises(Invalid, match="Type the room's name exactly as it is shown, “Lunch”"):
        room_admin.delete(lunch, alice, {"confirm": "lunch"})
    assert Room.objects.filter(pk=lunch.pk).exists() and Message.objects.exists()


# --- the audit log ---------------------------------------------------------------------


def logged() -> list[tuple[str, str, str]]:
    return list(AuditEntry.objects.order_by("id").values_list("actor_name", "action", "details"))


def test_staff_actions_are_logged(admin, lunch):
    room_admin.rename(lunch, admin, {"title": "Brunch"})
    room_admin.convert(lunch, admin, {"kind": "private", "confirmed": "1"})
    room_admin.archive(lunch, admin)
    room_admin.unarchive(lunch, admin)
    room_admin.delete(lunch, admin, {"confirm": "Brunch"})

    assert logged() == [
        ("admin", "room-renamed", "“Lunch” → “Brunch” (/r/lunch/)"),
        ("admin", "room-converted", "“Brunch” (/r/lunch/): Public → private"),
        ("admin", "room-archived", "“Brunch” (/r/lunch/)"),
        ("admin", "room-unarchived", "“Brunch” (/r/lunch/)"),
        ("admin", "room-deleted", "“Brunch” (/r/lunch/)"),
    ]


def test_a_creator_who_is_not_staff_is_not_logged(alice, lunch):
    room_admin.rename(lunch, alice, {"title": "Brunch"})
    room_admin.archive(lunch, alice)
    assert logged() == []


def test_a_refused_action_logs_nothing(admin, lunch):
    with pytest.raises(Invalid):
        room_admin.delete(lunch, admin, {"confirm": "nope"})
    assert logged() == []
