"""Staff (``chat.people.staff``): who sees the people pages, what they may do to whom, and the
audit log of it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chat.bots import services as bots
from chat.errors import Forbidden, NotFound
from chat.models import AuditEntry
from chat.people import accounts, staff
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def reload(user):
    return get_user_model().objects.get(pk=user.pk)


# --- who sees the pages -----------------------------------------------------------------------


def test_active_staff_may_manage_people(admin):
    assert staff.may_manage_people(admin) is True


def test_members_may_not_manage_people(alice):
    assert staff.may_manage_people(alice) is False


def test_deactivated_staff_may_not_manage_people(admin):
    admin.is_active = False

    assert staff.may_manage_people(admin) is False


@pytest.mark.parametrize("call", ["people_page", "audit_page"])
def test_the_pages_do_not_exist_for_members(alice, call):
    with pytest.raises(NotFound):
        getattr(staff, call)(alice)


def test_actions_do_not_exist_for_members(alice, bob):
    with pytest.raises(NotFound):
        staff.act(alice, bob.pk, "deactivate")

    assert reload(bob).is_active is True


# --- listing ----------------------------------------------------------------------------------


def test_people_page_lists_everyone_but_bots_by_username(admin, alice, bob, lunch):
    bots.create_bot(lunch, alice, {"name": "helper"})

    page = staff.people_page(admin)

    assert [person.username for person in page] == ["admin", "alice", "bob"]


def test_people_page_finds_by_name_or_email(admin, alice, bob):
    bob.email = "robert@example.com"
    bob.save()

    assert [p.username for p in staff.people_page(admin, "ALI")] == ["alice"]
    assert [p.username for p in staff.people_page(admin, "robert@")] == ["bob"]


def test_people_page_is_paginated(admin, make_user, monkeypatch):
    monkeypatch.setattr(staff, "PEOPLE_PER_PAGE", 2)
    for name in ("p1", "p2", "p3"):
        make_user(name)

    page = staff.people_page(admin, page="2")

    assert [p.username for p in page] == ["p2", "p3"]
    assert staff.people_page(admin, page="nonsense").number == 1


def test_each_row_offers_what_the_viewer_may_do(admin, alice):
    page = staff.people_page(admin)
    offered = {person.username: [a.slug for a in person.actions] for person in page}

    assert offered == {"admin": [], "alice": ["deactivate", "make-staff"]}


# --- deactivating and reactivating ------------------------------------------------------------


def test_deactivate_signs_the_person_out_and_logs_it(
    admin, bob, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(bob)
    key = client.session.session_key

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        staff.act(admin, bob.pk, "deactivate")

    assert reload(bob).is_active is False
    assert accounts.why_session_ended(key, bob.pk) == accounts.SIGNED_OUT
    assert len(callbacks) == 1  # the sockets' re-check, once committed
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target) == (
        admin,
        AuditEntry.Action.DEACTIVATED,
        bob,
    )
    assert (entry.actor_name, entry.target_name) == ("admin", "bob")


def test_reactivate_lets_them_sign_in_again(admin, bob):
    staff.act(admin, bob.pk, "deactivate")

    staff.act(admin, bob.pk, "reactivate")

    assert reload(bob).is_active is True
    signed_in = Client().post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert [e.action for e in AuditEntry.objects.all()] == ["reactivated", "deactivated"]


def test_nobody_deactivates_themselves(admin):
    with pytest.raises(Forbidden) as refused:
        staff.act(admin, admin.pk, "deactivate")

    assert refused.value.message == "You cannot deactivate yourself: ask another admin."
    assert reload(admin).is_active is True
    assert not AuditEntry.objects.exists()


def test_deactivating_someone_deactivated_is_refused(admin, bob):
    staff.act(admin, bob.pk, "deactivate")

    with pytest.raises(Forbidden) as refused:
        staff.act(admin, bob.pk, "deactivate")

    assert refused.value.message == "bob is already deactivated."
    assert AuditEntry.objects.count() == 1


# --- staff status -----------------------------------------------------------------------------


def test_make_staff_and_remove_staff(admin, bob):
    staff.act(admin, bob.pk, "make-staff")
    assert reload(bob).is_staff is True

    staff.act(admin, bob.pk, "remove-staff")
    assert reload(bob).is_staff is False
    assert [e.action for e in AuditEntry.objects.all()] == ["removed-staff", "made-staff"]


def test_nobody_removes_their_own_staff_status(admin):
    with pytest.raises(Forbidden) as refused:
        staff.act(admin, admin.pk, "remove-staff")

    assert refused.value.message == "You cannot remove yourself from the staff: ask another admin."
    assert reload(admin).is_staff is True


def test_a_deactivated_person_is_not_made_staff(admin, bob):
    staff.act(admin, bob.pk, "deactivate")

    with pytest.raises(Forbidden) as refused:
        staff.act(admin, bob.pk, "make-staff")

    assert refused.value.message == "Reactivate bob first."


@pytest.mark.parametrize("slug", ["deactivate", "remove-staff"])
def test_only_a_superuser_changes_a_superuser(admin, root, slug):
    with pytest.raises(Forbidden) as refused:
        staff.act(admin, root.pk, slug)

    assert refused.value.message == staff.ONLY_SUPERUSERS
    assert reload(root).is_active and reload(root).is_staff


def test_a_superuser_may_change_a_superuser(root, make_user):
    other = make_user("other-root")
    other.is_staff = other.is_superuser = True
    other.save()

    staff.act(root, other.pk, "deactivate")

    assert reload(other).is_active is False


@pytest.mark.parametrize(("user_id", "slug"), [(999_999, "deactivate"), (None, "delete")])
def test_unknown_people_and_actions_are_not_found(admin, bob, user_id, slug):
    with pytest.raises(NotFound):
        staff.act(admin, user_id or bob.pk, slug)


def test_bots_are_not_managed_here(admin, alice, lunch):
    bot, _token = bots.create_bot(lunch, alice, {"name": "helper"})

    with pytest.raises(NotFound):
        staff.act(admin, bot.user_id, "deactivate")


def test_to_confirm_refuses_what_act_would(admin):
    with pytest.raises(Forbidden):
        staff.to_confirm(admin, admin.pk, "deactivate")


# --- the audit log ----------------------------------------------------------------------------


def test_audit_page_is_newest_first_and_paginated(admin, bob, monkeypatch):
    monkeypatch.setattr(staff, "AUDIT_PER_PAGE", 2)
    for slug in ("deactivate", "reactivate", "make-staff"):
        staff.act(admin, bob.pk, slug)

    first = staff.audit_page(admin)

    assert [e.action for e in first] == ["made-staff", "reactivated"]
    assert [e.action for e in staff.audit_page(admin, 2)] == ["deactivated"]


def test_audit_entries_keep_names_when_accounts_go(admin, bob):
    staff.act(admin, bob.pk, "deactivate")

    bob.delete()

    entry = AuditEntry.objects.get()
    assert (entry.target, entry.target_name) == (None, "bob")
