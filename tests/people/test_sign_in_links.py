"""Signing in on a phone (``chat.people.sign_in_links``, ``chat.views.sign_in``): a one-time
link that lasts 5 minutes and signs in a new session, listed on the profile page with a
way to sign that session out."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import import_module
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from chat.errors import Forbidden, TooFast
from chat.models import SignInLink
from chat.people import sign_in_links
from chat.tokens import token_hash
from tests.support.races import at_once, meet_before_writing, raised

pytestmark = pytest.mark.django_db

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile Safari"


def make(client) -> str:
    """Make a link on the profile page; its path."""
    response = client.post("/accounts/sign-in-link/")
    assert response.status_code == 201
    found = re.search(r'value="http://testserver(/accounts/sign-in/[^"]+/)"', response.text)
    return found[1]


def phone() -> Client:
    return Client(HTTP_USER_AGENT=PHONE, REMOTE_ADDR="192.0.2.7")


def test_a_link_is_shown_as_text_and_a_qr_code(login, alice):
    response = login(alice).post("/accounts/sign-in-link/")

    page = response.content.decode()
    qr = r'<svg class="qr"[^>]* role="img" aria-label="QR code of your sign-in link'
    assert re.search(qr, page)
    assert "<title>QR code of your sign-in link" in page
    assert 'style="' not in page
    token = re.search(r"/accounts/sign-in/([^/\"]+)/", page)[1]
    link = SignInLink.objects.get()
    assert link.token_hash == token_hash(token)  # only the hash is kept
    assert token not in str(SignInLink.objects.values_list())
    assert link.expires_at - link.created_at == timedelta(minutes=5)


def test_htmx_gets_the_link_as_a_partial(login, alice):
    response = login(alice).post("/accounts/sign-in-link/", headers={"HX-Request": "true"})

    page = response.content.decode()
    assert page.startswith('<div id="sign-in-link"')
    assert "<html" not in page


def test_a_get_of_the_link_changes_nothing_and_a_post_signs_in_a_new_session(login, alice):
    path = make(login(alice))
    device = phone()

    page = device.get(path)
    assert page.status_code == 200
    assert "Sign in as alice" in page.content.decode()
    assert SignInLink.objects.get().used_at is None
    before = set(Session.objects.values_list("session_key", flat=True))

    response = device.post(path)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert device.get("/").context["user"] == alice
    link = SignInLink.objects.get()
    assert link.used_at is not None
    assert link.session_key == device.session.session_key
    assert link.session_key not in before
    assert (link.used_address, link.user_agent) == ("192.0.2.7", PHONE)


def test_a_used_link_is_refused(login, alice):
    path = make(login(alice))
    phone().post(path)

    other = phone()
    response = other.post(path)

    assert response.status_code == 403
    assert sign_in_links.USED in response.content.decode()
    assert other.get("/").status_code == 302  # still signed out
    assert other.get(path).status_code == 403


def test_an_expired_link_is_refused(login, alice):
    path = make(login(alice))
    later = timezone.now() + timedelta(minutes=5, seconds=1)

    with mock.patch("django.utils.timezone.now", return_value=later):
        response = phone().post(path)

    assert response.status_code == 403
    assert "expired" in response.content.decode()
    assert SignInLink.objects.get().used_at is None


def test_a_link_still_works_just_before_it_expires(login, alice):
    path = make(login(alice))
    almost = timezone.now() + timedelta(minutes=4, seconds=59)

    with mock.patch("django.utils.timezone.now", return_value=almost):
        assert phone().post(path).status_code == 302


def test_a_link_of_a_deactivated_account_is_refused(login, alice):
    path = make(login(alice))
    alice.is_active = False
    alice.save()

    response = phone().post(path)

    assert response.status_code == 403
    assert sign_in_links.INACTIVE in response.content.decode()
    assert SignInLink.objects.get().used_at is None


def test_an_account_deactivated_after_the_page_was_read_is_refused_by_the_update(login, alice):
    link, token = sign_in_links.make_link(alice)
    real = sign_in_links.link_for_token

    def found_then_deactivated(*args):
        found = real(*args)
        type(alice).objects.filter(pk=alice.pk).update(is_active=False)
        return found

    with mock.patch.object(sign_in_links, "link_for_token", found_then_deactivated):
        response = phone().post(f"/accounts/sign-in/{token}/")

    assert response.status_code == 403
    link.refresh_from_db()
    assert link.used_at is None


def test_an_unknown_link_is_not_found_and_guesses_are_limited(alice):
    device = phone()
    for _ in range(sign_in_links.TOKEN_GUESSES.limit):
        assert device.get("/accounts/sign-in/not-a-token/").status_code == 404

    assert device.get("/accounts/sign-in/not-a-token/").status_code == 429


def test_making_links_is_rate_limited(alice):
    for _ in range(sign_in_links.LINK_CREATION.limit):
        sign_in_links.make_link(alice)

    with pytest.raises(TooFast):
        sign_in_links.make_link(alice)


def test_the_profile_lists_each_use_and_signs_that_session_out(login, alice):
    me = login(alice)
    path = make(me)
    device = phone()
    device.post(path)
    key = device.session.session_key

    page = me.get("/accounts/profile/").content.decode()
    assert "192.0.2.7" in page
    assert "iPhone" in page
    link = SignInLink.objects.get()
    assert f'action="/accounts/sign-ins/{link.pk}/sign-out"' in page

    with mock.patch("chat.people.accounts.session_ended") as closed:
        response = me.post(f"/accounts/sign-ins/{link.pk}/sign-out")

    assert response.status_code == 302
    closed.assert_called_once_with(alice.pk, key)
    assert not Session.objects.filter(session_key=key).exists()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert cache.get(store.cache_key_prefix + key) is None  # the cached copy too
    assert device.get("/").status_code == 302  # the phone is signed out
    assert me.get("/").status_code == 200  # and I am not
    assert "Signed out" in me.get("/accounts/profile/").content.decode()


def test_another_person_cannot_sign_out_my_sessions(login, alice, bob):
    path = make(login(alice))
    device = phone()
    device.post(path)
    link = SignInLink.objects.get()

    response = login(bob).post(f"/accounts/sign-ins/{link.pk}/sign-out")

    assert response.status_code == 404
    assert device.get("/").status_code == 200


def test_signing_out_needs_a_post(login, alice):
    path = make(login(alice))
    phone().post(path)
    link = SignInLink.objects.get()

    assert login(alice).get(f"/accounts/sign-ins/{link.pk}/sign-out").status_code == 405


@pytest.mark.parametrize("what", ["make", "use", "sign-out"])
def test_every_form_needs_csrf(alice, what):
    link, token = sign_in_links.make_link(alice)
    client = Client(enforce_csrf_checks=True)
    if what != "use":
        client.force_login(alice)
    url = {
        "make": "/accounts/sign-in-link/",
        "use": f"/accounts/sign-in/{token}/",
        "sign-out": f"/accounts/sign-ins/{link.pk}/sign-out",
    }[what]

    assert client.post(url).status_code == 403
    assert SignInLink.objects.filter(used_at__isnull=False).count() == 0
    assert SignInLink.objects.count() == 1


def test_making_a_link_signed_out_leads_to_sign_in():
    response = Client().post("/accounts/sign-in-link/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_two_devices_racing_for_one_link_sign_in_once(make_user, monkeypatch):
    # Both find the link unused before either takes it: the conditional update, not
    # timing, must give it to one.
    owner = make_user("owner")
    _link, token = sign_in_links.make_link(owner)
    meet_before_writing(monkeypatch, sign_in_links)

    def use(device: str) -> str:
        sign_in_links.use_link(token, "192.0.2.9", device, lambda user: f"key-{device}")
        return device

    outcomes = at_once(lambda: use("phone"), lambda: use("tablet"))

    signed_in = [outcome for outcome in outcomes if isinstance(outcome, str)]
    assert len(signed_in) == 1
    assert [type(error) for error in raised(outcomes)] == [Forbidden]
    link = SignInLink.objects.get()
    assert (link.user_agent, link.session_key) == (signed_in[0], f"key-{signed_in[0]}")
