"""The team's own chat: its settings (``chat.people.instance``), their page for staff, the
logo for everyone, the accent on every page through the nonce'd style, and the cache that
keeps them from costing a query per page."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from chat.errors import Invalid, NotFound
from chat.models import AuditEntry, Instance
from chat.people import instance
from tests.support.files import SVG, opened, png, read, upload

pytestmark = pytest.mark.django_db

FORM = {"name": "Acme", "accent": ""}


def save(person, files=None, **data):
    return instance.change(person, FORM | data, files or {})


def refused(person, field: str, files=None, **data) -> str:
    with pytest.raises(Invalid) as refusal:
        save(person, files, **data)
    return refusal.value.form.errors[field][0]


def test_staff_rename_the_chat_and_it_is_audited(admin):
    save(admin, name="Acme team")

    assert instance.current().name == "Acme team"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SETTINGS_CHANGED)
    assert entry.actor == admin
    assert "Acme team" in entry.details


def test_members_may_not_change_the_settings(alice):
    with pytest.raises(NotFound):
        save(alice, name="Mine now")

    assert instance.current().name == "Chat"
    assert not AuditEntry.objects.exists()


def test_a_name_must_show_something(admin):
    assert refused(admin, "name", name="\u200b ") == "Give the chat a name that shows something."


@pytest.mark.parametrize("accent", ["blue", "#12345", "#1234567", "#gg0000", "1f5bd6x"])
def test_an_accent_must_be_hex(admin, accent):
    assert "#rrggbb" in refused(admin, "accent", accent=accent)


def test_a_light_accent_is_refused_naming_the_light_scheme_and_ratio(admin):
    error = refused(admin, "accent", accent="#FFCC00")

    assert "light scheme" in error
    assert re.search(r"is 1\.\d\d:1", error)
    assert Instance.objects.filter(accent="#ffcc00").count() == 0


def test_a_dark_accent_is_refused_naming_the_dark_scheme(admin):
    error = refused(admin, "accent", accent="#000080")

    assert "dark scheme" in error
    assert "3.07:1" in error


def test_a_readable_accent_is_kept_in_lower_case_with_its_dark_variant(admin):
    save(admin, accent="#0A6E3C")

    shown = instance.current()
    assert (shown.accent, shown.accent_dark) == ("#0a6e3c", "#78af94")


def test_the_logo_is_checked_and_re_encoded_square(admin, media_root):
    save(admin, files={"logo": upload("logo.png", png(300, 200))})

    logo = Instance.objects.get().logo
    assert opened(read(logo)).size == (256, 256)
    assert instance.current().logo_url.startswith("/instance/logo/")


def test_a_logo_that_is_no_picture_is_refused(admin, media_root):
    error = refused(admin, "logo", files={"logo": upload("logo.svg", SVG)})

    assert error == instance.NOT_A_PICTURE
    assert not Instance.objects.filter(logo__gt="").exists()


def test_the_logo_is_served_to_anyone_and_a_replaced_one_is_gone(admin, media_root):
    save(admin, files={"logo": upload("logo.png", png(64, 64))})
    first = instance.current().logo_url

    response = Client().get(first)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "public" in response["Cache-Control"]

    save(admin, files={"logo": upload("logo.png", png(64, 64))})
    assert Client().get(first).status_code == 404
    assert Client().get(instance.current().logo_url).status_code == 200


def test_reading_the_settings_costs_no_query_once_cached(django_assert_num_queries):
    instance.current()

    with django_assert_num_queries(0):
        assert instance.current().name == "Chat"


def test_saving_drops_the_cached_copy_so_every_process_reads_the_new_one(admin):
    assert instance.current().name == "Chat"
    assert cache.get(instance.CACHE_KEY) is not None

    save(admin, name="Renamed")

    assert cache.get(instance.CACHE_KEY) is None
    assert instance.current().name == "Renamed"


def test_a_page_costs_no_query_for_the_settings(login, alice, django_assert_max_num_queries):
    client = login(alice)
    client.get("/accounts/password/")  # warms the cache and the session
    with django_assert_max_num_queries(50) as captured:
        client.get("/accounts/password/")
    assert not [q for q in captured.captured_queries if "chat_instance" in q["sql"]]


# --- over HTTP --------------------------------------------------------------------------


def test_the_settings_page_is_not_found_for_members(login, alice):
    assert login(alice).get("/staff/settings/").status_code == 404
    assert login(alice).post("/staff/settings/", FORM).status_code == 404


def test_the_settings_page_sends_visitors_to_sign_in():
    response = Client().get("/staff/settings/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_save_the_settings_and_every_page_shows_them(login, admin, alice):
    response = login(admin).post("/staff/settings/", {"name": "Acme <b>", "accent": "#7c3aed"})
    assert response.status_code == 302

    page = login(alice).get("/accounts/profile/").content.decode()
    assert '<title id="page-title">Your profile · Acme &lt;b&gt;</title>' in page
    assert 'class="brand"' in page and "Acme &lt;b&gt;</a>" in page
    nonce = re.search(r'<style nonce="([^"]+)">:root \{ --accent: #7c3aed;', page)
    assert nonce is not None
    assert "--accent: #b793f5" in page  # the dark scheme's
    assert 'style="' not in page


def test_the_login_page_shows_the_accent_and_logo_signed_out(admin, media_root):
    save(admin, accent="#7c3aed", files={"logo": upload("logo.png", png(64, 64))})

    page = Client().get("/accounts/login/").content.decode()

    assert "--accent: #7c3aed" in page
    assert f'src="{instance.current().logo_url}"' in page


def test_a_refused_accent_comes_back_in_the_form_with_the_scheme(login, admin):
    response = login(admin).post("/staff/settings/", {"name": "Acme", "accent": "#ffcc00"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "light scheme" in page
    assert 'value="#ffcc00"' in page


def test_the_settings_form_needs_csrf(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)

    assert client.post("/staff/settings/", FORM).status_code == 403
    assert instance.current().name == "Chat"


def test_the_password_reset_mail_names_the_chat(admin, mailoutbox, settings):
    from chat import mail

    save(admin, name="Acme")
    admin.email = "admin@example.com"
    admin.save()

    Client().post("/accounts/password/reset/", {"email": "admin@example.com"})
    mail.wait_until_sent()

    assert "Acme" in mailoutbox[0].subject
    assert "on Acme at" in mailoutbox[0].body


def test_settings_that_cannot_be_read_show_the_defaults_uncached(monkeypatch):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("no such table: chat_instance")

    monkeypatch.setattr(Instance.objects, "filter", broken)

    assert instance.current().name == "Chat"
    assert cache.get(instance.CACHE_KEY) is None


def test_showing_the_settings_form_changes_nothing(login, admin):
    assert login(admin).get("/staff/settings/").status_code == 200

    assert not Instance.objects.exists()
