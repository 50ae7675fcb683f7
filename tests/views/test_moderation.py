"""Moderation over HTTP: staff's delete page and Delete button, the ban page, sign-up from a
banned address, and the audit log naming every action."""

from __future__ import annotations

import pytest
from django.test import Client

from chat.models import AuditEntry, Ban, Message
from chat.people import audit, bans
from tests.support.invitations import invite
from tests.support.messages import HTMX, said, write_to
from tests.support.signups import signup_data

pytestmark = pytest.mark.django_db

STAFF_DELETE_STYLE = ".message .delete { display: inline-block; }"


# --- deleting -------------------------------------------------------------------------


def test_staff_delete_page_outside_the_conversation_hides_its_words(login, admin, alice, bob):
    _room, posted = write_to(alice, bob, "our secret")

    page = login(admin).get(f"/m/{posted.message.id}/delete")

    html = page.content.decode()
    assert page.status_code == 200
    assert "our secret" not in html
    assert "its words are not shown to you" in html
    assert '<span class="author">alice</span>' in html
    assert f'action="/m/{posted.message.id}/delete"' in html
    assert 'href="/staff/audit/"' in html  # the way back: not a conversation they cannot open


def test_staff_delete_page_in_a_readable_room_quotes_it(login, admin, alice, lunch):
    message = said(lunch, alice, "hello all")

    html = login(admin).get(f"/m/{message.id}/delete").content.decode()

    assert '<blockquote class="quoted"><span class="author">alice</span>: hello all' in html


def test_staff_delete_without_javascript_leads_to_the_audit_log(login, admin, alice, bob):
    _room, posted = write_to(alice, bob, "our secret")

    response = login(admin).post(f"/m/{posted.message.id}/delete")

    assert (response.status_code, response["Location"]) == (302, "/staff/audit/")
    assert Message.objects.get(pk=posted.message.id).deleted
    assert AuditEntry.objects.get().action == AuditEntry.Action.MESSAGE_DELETED


def test_staff_delete_with_htmx_answers_the_tombstone(login, admin, alice, lunch):
    message = said(lunch, alice, "hello all")

    response = login(admin).post(f"/m/{message.id}/delete", **HTMX)

    tombstone = f'<article id="message-{message.id}" class="message deleted"'
    assert tombstone in response.content.decode()


@pytest.mark.parametrize("action", ["", "edit", "react", "reply"])
def test_staff_reach_nothing_else_of_a_conversation_they_are_not_in(
    login, admin, alice, bob, action
):
    _room, posted = write_to(alice, bob, "our secret")

    assert login(admin).get(f"/m/{posted.message.id}/{action}").status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_members_get_404_for_a_conversation_they_are_not_in(login, alice, bob, mallory, method):
    _room, posted = write_to(alice, bob, "our secret")

    response = getattr(login(mallory), method)(f"/m/{posted.message.id}/delete")

    assert response.status_code == 404
    assert not Message.objects.get(pk=posted.message.id).deleted


def test_the_delete_button_shows_for_staff_by_the_pages_style(login, admin, alice, bob, lunch):
    said(lunch, alice, "hello all")

    staff_page = login(admin).get("/r/lunch/").content.decode()
    members_page = login(bob).get("/r/lunch/").content.decode()

    assert STAFF_DELETE_STYLE in staff_page
    assert STAFF_DELETE_STYLE in login(admin).get("/search?q=hello").content.decode()
    assert STAFF_DELETE_STYLE not in members_page
    # Render once: the article is the same bytes for both.
    article = staff_page[staff_page.index('<article id="message-') :].split("</article>")[0]
    assert article in members_page


# --- the ban page ---------------------------------------------------------------------


def test_people_page_offers_ban_to_others_only(login, admin, alice):
    page = login(admin).get("/staff/people/").content.decode()

    assert f'<a class="button-link ban" href="/staff/people/{alice.pk}/ban/">Ban</a>' in page
    assert f'href="/staff/people/{admin.pk}/ban/"' not in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_ban_page_is_not_found_for_members(login, alice, bob, method):
    response = getattr(login(alice), method)(f"/staff/people/{bob.pk}/ban/", {"days": "7"})

    assert response.status_code == 404
    bob.refresh_from_db()
    assert bob.is_active


def test_the_ban_page_asks_then_bans(login, admin, bob):
    client = login(admin)

    form = client.get(f"/staff/people/{bob.pk}/ban/").content.decode()
    bob.refresh_from_db()
    assert bob.is_active  # a GET changes nothing
    action = f'method="post" action="/staff/people/{bob.pk}/ban/">'
    assert "<h1>Ban bob</h1>" in form
    assert f'<form class="ban-form" {action}' in form
    assert 'name="purge"' in form and 'name="days"' in form

    done = client.post(f"/staff/people/{bob.pk}/ban/", {"days": "30"}, follow=True)

    assert "bob was banned and signed out everywhere." in done.content.decode()
    assert "deactivated, banned until <time datetime=" in done.content.decode()
    bob.refresh_from_db()
    assert not bob.is_active
    assert Ban.objects.get().purged is False


def test_a_ban_form_that_does_not_pass_comes_back(login, admin, bob):
    response = login(admin).post(f"/staff/people/{bob.pk}/ban/", {"days": "2"})

    assert response.status_code == 400
    assert "Pick a day, a week or a month." in response.content.decode()
    assert not Ban.objects.exists()


def test_banning_oneself_is_refused_with_the_reason(login, admin):
    response = login(admin).post(f"/staff/people/{admin.pk}/ban/", {"days": "7"})

    assert response.status_code == 403
    assert "You cannot ban yourself: ask another admin." in response.content.decode()


def test_the_ban_needs_the_csrf_token(admin, bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)

    assert client.post(f"/staff/people/{bob.pk}/ban/", {"days": "7"}).status_code == 403
    assert not Ban.objects.exists()


# --- signing up from a banned address -------------------------------------------------


def banned(address: str) -> None:
    Ban.objects.create(address=address, until="2999-01-01T00:00:00Z")


def test_the_sign_up_page_refuses_a_banned_address_naming_nobody(settings, bob):
    settings.CHAT_SIGNUP = "open"
    banned("198.51.100.7")

    refused = Client().post("/accounts/signup/", signup_data("again"), REMOTE_ADDR="198.51.100.7")
    welcome = Client().post("/accounts/signup/", signup_data("new"), REMOTE_ADDR="198.51.100.9")

    assert refused.status_code == 403
    assert bans.BANNED_ADDRESS in refused.content.decode().replace("&#x27;", "'")
    assert welcome.status_code == 302


def test_the_join_page_refuses_a_banned_address(alice, by_invitation):
    _invitation, token = invite(alice)
    banned("198.51.100.7")

    refused = Client().post(f"/join/{token}/", signup_data("again"), REMOTE_ADDR="198.51.100.7")

    assert refused.status_code == 403
    assert bans.BANNED_ADDRESS in refused.content.decode().replace("&#x27;", "'")


# --- the audit log --------------------------------------------------------------------


def test_the_audit_log_names_every_action_by_its_label(login, admin, bob):
    for action in AuditEntry.Action:
        audit.record(admin, action, bob, details=f"about {action.value}")

    page = login(admin).get("/staff/audit/").content.decode()

    for action in AuditEntry.Action:
        assert f'<tr data-action="{action.value}">' in page
        assert f"<td>{action.label}</td>".replace("'", "&#x27;") in page
