"""The first run (``chat.people.setup``, ``/setup/``): while nobody has an account, the first
visitor makes the administrator's account and names the chat; then the page is gone for
good, and two visitors racing cannot both become administrator."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chat.errors import NotFound
from chat.models import AuditEntry, Instance
from chat.people import instance, setup
from tests.support.accounts import PASSWORD
from tests.support.races import at_once, meet_before_writing, raised

FORM = {
    "username": "root",
    "email": "",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "instance_name": "Acme chat",
}


@pytest.mark.django_db
def test_the_first_visitor_becomes_administrator_and_lands_in_the_lobby():
    client = Client()
    assert client.get("/setup/").status_code == 200

    response = client.post("/setup/", FORM)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = get_user_model().objects.get()
    assert (user.username, user.is_staff, user.is_superuser) == ("root", True, True)
    assert hasattr(user, "profile")  # what sign-up gives an account
    assert client.get("/").status_code == 200
    assert instance.current().name == "Acme chat"
    assert Instance.objects.get().set_up_at is not None
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SET_UP)
    assert entry.actor == user


@pytest.mark.django_db
def test_once_set_up_the_page_is_not_found_for_good():
    Client().post("/setup/", FORM)

    assert Client().get("/setup/").status_code == 404
    assert Client().post("/setup/", FORM | {"username": "second"}).status_code == 404
    get_user_model().objects.all().delete()
    assert Client().get("/setup/").status_code == 404
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_an_account_made_another_way_closes_setup(alice):
    assert Client().get("/setup/").status_code == 404
    assert Instance.objects.get().set_up_at is not None


@pytest.mark.django_db
def test_a_refused_form_comes_back_and_makes_nothing():
    response = Client().post("/setup/", FORM | {"password2": "something else"})

    assert response.status_code == 400
    assert 'value="root"' in response.text
    assert not get_user_model().objects.exists()
    assert setup.needs_setup()


@pytest.mark.django_db
def test_the_password_must_pass_the_validators():
    response = Client().post("/setup/", FORM | {"password1": "123", "password2": "123"})

    assert response.status_code == 400
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_the_login_page_points_to_setup_while_nobody_has_an_account():
    page = Client().get("/", follow=True).content.decode()

    assert 'href="/setup/"' in page


@pytest.mark.django_db
def test_the_login_page_does_not_point_to_setup_once_someone_has_an_account(alice):
    assert 'href="/setup/"' not in Client().get("/accounts/login/").text


@pytest.mark.django_db
def test_setup_needs_csrf():
    assert Client(enforce_csrf_checks=True).post("/setup/", FORM).status_code == 403
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_once_set_up_asking_costs_no_query(alice, django_assert_num_queries):
    setup.needs_setup()  # notes that an account exists
    setup.needs_setup()  # reads the settings again, into the cache

    with django_assert_num_queries(0):
        assert not setup.needs_setup()


@pytest.mark.django_db
def test_the_conditional_update_alone_refuses_a_second_administrator(monkeypatch):
    # Someone else won a moment ago (set_up_at is set) though this visitor passed the
    # check, and no account is visible yet: the update, not the check, must refuse.
    monkeypatch.setattr(setup, "require_setup", lambda: None)
    Instance.objects.create(pk=instance.PK, set_up_at="2026-12-06T10:00:00Z")

    with pytest.raises(NotFound):
        setup.set_up(FORM, "192.0.2.1")

    assert not get_user_model().objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_racing_visitors_cannot_both_become_administrator(monkeypatch):
    # Both pass the "nobody has an account" check before either writes: the conditional
    # UPDATE of set_up_at, not timing, must then choose one.
    instance.row()  # made before: its get_or_create would wait for the other visitor
    meet_before_writing(monkeypatch, setup)

    outcomes = at_once(
        *[
            lambda name=name: setup.set_up(FORM | {"username": name}, f"192.0.2.{len(name)}")
            for name in ("ann", "bobby")
        ]
    )

    made = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
    assert len(made) == 1
    assert [type(error) for error in raised(outcomes)] == [NotFound]
    assert get_user_model().objects.count() == 1
    assert get_user_model().objects.get().username == made[0].username
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SET_UP).count() == 1
