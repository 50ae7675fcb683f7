"""A room's admin over HTTP (``chat.views.room_admin``, ``chat.views.room_settings``): the
settings page's admin forms for its creator and staff, rename and public or private on the
settings POST (told apart from the notification choice by their fields), archive,
unarchive and delete, with plain forms and redirects; and what everyone else gets."""

from __future__ import annotations

import pytest
from django.test import Client

from chat.models import Membership, Message, Room
from chat.rooms import admin as room_admin
from tests.support.joining import join
from tests.support.messages import said

pytestmark = pytest.mark.django_db

ACTIONS = [
    ("settings", {"title": "Brunch"}),
    ("settings", {"kind": "private", "confirmed": "1"}),
    ("archive", {}),
    ("delete", {"confirm": "Lunch"}),
]


@pytest.fixture
def member(bob, lunch):
    join(bob, lunch.slug)
    return bob


def unchanged(room: Room) -> bool:
    room.refresh_from_db()
    return (room.title, room.kind, room.archived_at) == ("Lunch", "public", None)


# --- who may ---------------------------------------------------------------------------


@pytest.mark.parametrize(("tail", "data"), ACTIONS)
def test_a_member_who_did_not_make_it_is_refused(login, member, lunch, tail, data):
    response = login(member).post(f"/r/lunch/{tail}", data)

    assert response.status_code == 403
    assert "Only the room&#x27;s creator or a staff member" in response.content.decode()
    assert unchanged(lunch)


@pytest.mark.parametrize(("tail", "data"), ACTIONS)
def test_someone_who_never_joined_a_public_room_is_refused(login, mallory, lunch, tail, data):
    assert login(mallory).post(f"/r/lunch/{tail}", data).status_code == 403
    assert unchanged(lunch)


@pytest.mark.parametrize(("tail", "data"), ACTIONS)
def test_a_private_room_one_may_not_read_is_not_found(login, mallory, secret, tail, data):
    response = login(mallory).post(f"/r/{secret.slug}/{tail}", data)

    assert response.status_code == 404
    secret.refresh_from_db()
    assert (secret.title, secret.kind, secret.archived_at) == ("Secret plans", "private", None)


@pytest.mark.parametrize(("tail", "data"), ACTIONS)
def test_anonymous_people_are_sent_to_sign_in(lunch, tail, data):
    response = Client().post(f"/r/lunch/{tail}", data)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert unchanged(lunch)


def test_staff_may_even_without_being_a_member(login, admin, lunch):
    client = login(admin)

    page = client.get("/r/lunch/settings").content.decode()
    assert '<section id="room-admin"' in page
    assert "recorded in the audit log" in page
    assert 'id="notify-form"' not in page  # not a member: nothing to be notified of

    assert client.post("/r/lunch/archive").status_code == 302
    lunch.refresh_from_db()
    assert lunch.archived_at is not None


def test_the_admin_forms_are_shown_only_to_those_who_may(login, alice, member, lunch):
    assert '<section id="room-admin"' in login(alice).get("/r/lunch/settings").content.decode()
    page = login(member).get("/r/lunch/settings").content.decode()
    assert '<section id="room-admin"' not in page
    assert 'id="notify-form"' in page


def test_a_direct_conversation_has_no_admin(login, alice, bob):
    client = login(alice)
    client.post("/p/bob/", {"body": "hi"})

    response = client.post("/p/bob/settings", {"title": "Ours"})

    assert response.status_code == 404
    assert "no settings of this kind" in response.content.decode()
    assert '<section id="room-admin"' not in client.get("/p/bob/settings").content.decode()


def test_every_admin_form_needs_the_csrf_token(alice, lunch):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    for tail, data in [*ACTIONS, ("unarchive", {})]:
        assert client.post(f"/r/lunch/{tail}", data).status_code == 403
    assert unchanged(lunch)


def test_a_get_changes_nothing(login, alice, lunch):
    client = login(alice)
    for tail in ("archive", "unarchive", "delete"):
        assert client.get(f"/r/lunch/{tail}").status_code == 405
    client.get("/r/lunch/settings?title=Brunch&kind=private&confirmed=1")
    assert unchanged(lunch)


# --- the settings page keeps its own forms ---------------------------------------------------


def test_the_notification_choice_still_saves_beside_the_admin_forms(login, alice, lunch):
    response = login(alice).post("/r/lunch/settings", {"notify": "mentions"})

    assert response.status_code == 302
    assert Membership.objects.get(room=lunch, user=alice).notify == "mentions"
    assert unchanged(lunch)


# --- rename ----------------------------------------------------------------------------------


def test_renaming_keeps_old_links(login, alice, member, lunch):
    message = said(lunch, alice, "soup")

    response = login(alice).post("/r/lunch/settings", {"title": "Brunch <b>"})

    assert response["Location"] == "/r/lunch/settings?renamed=1"
    page = login(member).get("/r/lunch/").content.decode()
    assert "<h1>Brunch &lt;b&gt;</h1>" in page
    assert '<title id="page-title">Brunch &lt;b&gt; · Chat</title>' in page
    assert login(member).get(f"/m/{message.id}/")["Location"].startswith("/r/lunch/")
    said_again = login(alice).get(response["Location"]).content.decode()
    assert "the room is called “Brunch &lt;b&gt;” now, at the same address" in said_again


def test_a_blank_name_comes_back_with_its_error(login, alice, lunch):
    response = login(alice).post("/r/lunch/settings", {"title": " "})

    assert response.status_code == 400
    assert '<p id="rename-error" class="error" role="alert">Give the room a name.</p>' in (
        response.content.decode()
    )
    assert unchanged(lunch)


# --- public or private -----------------------------------------------------------------------


def test_converting_asks_first_and_says_who_loses_it(login, alice, member, mallory, lunch):
    response = login(alice).post("/r/lunch/settings", {"kind": "private"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<section id="convert-confirmation"' in html
    assert "1 person who is not a member will lose access at once" in html
    assert "Its 2 members keep it" in html
    assert '<input type="hidden" name="confirmed" value="1">' in html
    assert unchanged(lunch)


def test_converting_to_public_says_everyone_gains_it(login, alice, mallory, secret):
    html = login(alice).post(f"/r/{secret.slug}/settings", {"kind": "public"}).content.decode()

    assert "Everyone on this instance will be able to read it" in html
    assert "1 person who is not a member gains read access" in html


def test_the_confirmed_conversion_applies_and_former_readers_lose_the_page(
    login, alice, mallory, lunch
):
    assert login(mallory).get("/r/lunch/messages?before=99").status_code == 200

    response = login(alice).post("/r/lunch/settings", {"kind": "private", "confirmed": "1"})

    assert response["Location"] == "/r/lunch/"
    lunch.refresh_from_db()
    assert lunch.kind == "private"
    assert login(mallory).get("/r/lunch/").status_code == 404
    assert login(alice).get("/r/lunch/").status_code == 200


def test_staff_who_made_a_room_private_without_being_in_it_go_to_the_lobby(login, admin, lunch):
    client = login(admin)
    html = client.post("/r/lunch/settings", {"kind": "private"}).content.decode()
    assert "You are not a member of it: you will lose it too." in html

    response = client.post("/r/lunch/settings", {"kind": "private", "confirmed": "1"})

    assert response["Location"] == "/"


def test_the_same_kind_is_refused_on_the_form(login, alice, lunch):
    response = login(alice).post("/r/lunch/settings", {"kind": "public"})

    assert response.status_code == 400
    assert "This room is public already." in response.content.decode()


# --- archive ---------------------------------------------------------------------------------


def test_an_archived_room_shows_the_notice_instead_of_the_composer(login, alice, member, lunch):
    assert login(alice).post("/r/lunch/archive")["Location"] == "/r/lunch/"

    for person, may in ((alice, True), (member, False)):
        page = login(person).get("/r/lunch/").content.decode()
        assert '<div id="archived-notice" class="archived-notice" role="status">' in page
        assert 'id="composer-form"' not in page and 'id="upload-form"' not in page
        assert ('action="/r/lunch/unarchive"' in page) is may
        # Read-only: a message's actions but its link are hidden.
        assert ".messages .message .action:not(.copy-link) { display: none; }" in page


def test_posting_with_the_form_in_an_archived_room_is_refused(login, alice, member, lunch):
    room_admin.archive(lunch, alice)

    response = login(member).post("/r/lunch/", {"body": "still here?"})

    assert response.status_code == 403
    assert "This room is archived: it is read-only until it is unarchived." in (
        response.content.decode()
    )
    assert not Message.objects.exists()


def test_an_archived_room_leaves_the_lobby(login, alice, member, lunch):
    room_admin.archive(lunch, alice)

    lobby = login(member).get("/").content.decode()
    assert "/r/lunch/" not in lobby


def test_unarchiving_keeps_old_links_and_brings_the_composer_back(login, alice, member, lunch):
    message = said(lunch, alice, "soup")
    client = login(alice)
    client.post("/r/lunch/archive")
    assert login(member).get(f"/m/{message.id}/")["Location"].startswith("/r/lunch/")

    assert client.post("/r/lunch/unarchive")["Location"] == "/r/lunch/"

    page = login(member).get("/r/lunch/").content.decode()
    assert 'id="composer-form"' in page and 'id="archived-notice"' not in page
    assert ".action:not(.copy-link)" not in page
    assert "/r/lunch/" in login(member).get("/").content.decode()
    assert login(member).post("/r/lunch/", {"body": "back"}).status_code == 302


# --- delete ----------------------------------------------------------------------------------


def test_deleting_goes_to_the_lobby(login, alice, member, lunch):
    said(lunch, alice, "soup")

    response = login(alice).post("/r/lunch/delete", {"confirm": "Lunch"})

    assert response["Location"] == "/"
    assert not Room.objects.exists() and not Message.objects.exists()
    assert login(member).get("/r/lunch/").status_code == 404


def test_a_mismatched_name_keeps_the_form(login, alice, lunch):
    response = login(alice).post("/r/lunch/delete", {"confirm": "Lunch room"})

    html = response.content.decode()
    assert response.status_code == 400
    assert 'name="confirm" required maxlength="80" autocomplete="off" value="Lunch room"' in html
    assert "Type the room&#x27;s name exactly as it is shown, “Lunch”, to delete it." in html
    assert Room.objects.filter(pk=lunch.pk).exists()
