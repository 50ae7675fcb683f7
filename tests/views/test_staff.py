"""The staff pages over HTTP: people, confirmed actions, the audit log; 404 to non-staff."""

from __future__ import annotations

import pytest
from django.test import Client

from chat.models import AuditEntry, Message
from tests.support.messages import say

pytestmark = pytest.mark.django_db


STAFF_URLS = ["/staff/people/", "/staff/audit/", "/staff/people/{bob}/deactivate/"]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_pages_are_not_found_for_members(login, alice, bob, url):
    response = login(alice).get(url.format(bob=bob.pk))

    assert response.status_code == 404


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_pages_send_anonymous_visitors_to_sign_in(bob, url):
    response = Client().get(url.format(bob=bob.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/staff/")


def test_a_member_posting_an_action_gets_404_and_changes_nothing(login, alice, bob):
    response = login(alice).post(f"/staff/people/{bob.pk}/deactivate/")

    assert response.status_code == 404
    bob.refresh_from_db()
    assert bob.is_active


def test_header_links_people_for_staff_only(login, admin, alice):
    assert '<a href="/staff/people/">People</a>' in login(admin).get("/").content.decode()
    assert "/staff/people/" not in login(alice).get("/").content.decode()


def test_people_page_lists_people_with_their_actions(login, admin, alice):
    alice.email = "alice@example.com"
    alice.save()

    page = login(admin).get("/staff/people/").content.decode()

    assert f'<tr data-user-id="{alice.pk}"' in page
    assert "alice@example.com" in page
    assert f'href="/staff/people/{alice.pk}/deactivate/">Deactivate</a>' in page
    assert f'href="/staff/people/{admin.pk}/deactivate/"' not in page  # never oneself


def test_people_page_search_is_escaped(login, admin):
    page = login(admin).get("/staff/people/", {"q": "<script>x</script>"}).content.decode()

    assert "<script>x</script>" not in page
    assert "Nobody matches “&lt;script&gt;x&lt;/script&gt;”." in page


def test_an_action_asks_first_then_is_done_on_post(login, admin, bob):
    client = login(admin)

    asked = client.get(f"/staff/people/{bob.pk}/deactivate/")
    bob.refresh_from_db()
    assert bob.is_active  # a GET changes nothing
    assert "Deactivate bob? They are signed out everywhere at once" in asked.content.decode()

    done = client.post(f"/staff/people/{bob.pk}/deactivate/", follow=True)

    assert "bob was deactivated and signed out everywhere." in done.content.decode()
    bob.refresh_from_db()
    assert not bob.is_active


def test_deactivating_signs_them_out_at_once(login, admin, bob):
    bobs = login(bob)

    login(admin).post(f"/staff/people/{bob.pk}/deactivate/")

    assert bobs.get("/").status_code == 302


def test_a_refused_action_says_why(login, admin):
    response = login(admin).post(f"/staff/people/{admin.pk}/deactivate/")

    assert response.status_code == 403
    assert "You cannot deactivate yourself: ask another admin." in response.content.decode()


def test_an_unknown_action_is_not_found(login, admin, bob):
    assert login(admin).post(f"/staff/people/{bob.pk}/delete/").status_code == 404


def test_actions_need_the_csrf_token(admin, bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)

    assert client.post(f"/staff/people/{bob.pk}/deactivate/").status_code == 403
    bob.refresh_from_db()
    assert bob.is_active


def test_audit_page_lists_actions_newest_first(login, admin, bob):
    client = login(admin)
    client.post(f"/staff/people/{bob.pk}/make-staff/")
    client.post(f"/staff/people/{bob.pk}/remove-staff/")

    page = client.get("/staff/audit/").content.decode()

    assert page.index("Removed from staff") < page.index("Made staff")
    assert AuditEntry.objects.count() == 2


def test_a_deactivated_persons_messages_stay_marked(login, admin, alice, bob, lunch):
    say(lunch, bob, "still here")
    login(admin).post(f"/staff/people/{bob.pk}/deactivate/")

    page = login(alice).get("/r/lunch/").content.decode()

    assert Message.objects.filter(author=bob).count() == 1
    assert "still here" in page
    assert '<span class="badge deactivated" title="This account was deactivated">' in page
