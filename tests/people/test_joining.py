"""Signing up through an invitation (``chat.people.invitations``): its uses counted atomically,
refused when expired, revoked or its maker deactivated, and guesses at tokens limited."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from chat import ratelimit
from chat.errors import Forbidden, Invalid, NotFound, TooFast
from chat.models import AuditEntry, Invitation
from chat.people import accounts, invitations, staff
from tests.support.accounts import PASSWORD
from tests.support.invitations import invite
from tests.support.signups import ADDRESS, signup_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("by_invitation")]


def test_join_creates_the_account_and_takes_a_use(alice):
    invitation, token = invite(alice)

    user = invitations.join(token, signup_data("carol"), ADDRESS)

    assert user.username == "carol"
    assert user.check_password(PASSWORD)
    invitation.refresh_from_db()
    assert invitation.uses == 1
    entry = AuditEntry.objects.get(action=AuditEntry.Action.JOINED_BY_INVITATION)
    assert (entry.actor, entry.target) == (user, alice)


def test_a_single_use_invitation_lets_one_person_in(alice):
    _invitation, token = invite(alice)
    invitations.join(token, signup_data("carol"), ADDRESS)

    with pytest.raises(Forbidden) as refused:
        invitations.join(token, signup_data("dave"), ADDRESS)

    assert refused.value.message == invitations.USED_UP
    assert not get_user_model().objects.filter(username="dave").exists()


def test_a_multi_use_invitation_lets_its_number_in(alice):
    _invitation, token = invite(alice, max_uses=3)
    for name in ("carol", "dave", "erin"):
        invitations.join(token, signup_data(name), ADDRESS)

    with pytest.raises(Forbidden):
        invitations.join(token, signup_data("frank"), ADDRESS)


def test_an_expired_invitation_says_so_and_creates_nothing(alice):
    invitation, token = invite(alice, days=1)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    with pytest.raises(Forbidden) as refused:
        invitations.join(token, signup_data("carol"), ADDRESS)

    assert refused.value.message.startswith("This invitation expired on ")
    assert not get_user_model().objects.filter(username="carol").exists()
    invitation.refresh_from_db()
    assert invitation.uses == 0


def test_a_revoked_invitation_says_so_and_creates_nothing(alice):
    invitation, token = invite(alice)
    invitations.revoke_invitation(alice, invitation.pk)

    with pytest.raises(Forbidden) as refused:
        invitations.join(token, signup_data("carol"), ADDRESS)

    assert refused.value.message == invitations.REVOKED
    assert not get_user_model().objects.filter(username="carol").exists()


def deactivate(person, how: str) -> None:
    """Deactivate ``person`` through the staff page's service, or by ``QuerySet.update()``
    (which sends no signal and calls no ``save``)."""
    if how == "staff":
        admin = get_user_model().objects.create_user("admin", password=PASSWORD, is_staff=True)
        staff.act(admin, person.pk, "deactivate")
    else:
        get_user_model().objects.filter(pk=person.pk).update(is_active=False)


@pytest.mark.parametrize("how", ["staff", "update"])
def test_a_deactivated_members_invitation_admits_nobody(alice, how):
    invitation, token = invite(alice, max_uses=5)
    deactivate(alice, how)

    with pytest.raises(Forbidden) as looked_up:
        invitations.invitation_for_token(token, ADDRESS)
    with pytest.raises(Forbidden) as joined:
        invitations.join(token, signup_data("carol"), ADDRESS)

    assert looked_up.value.message == joined.value.message == invitations.MAKER_INACTIVE
    assert not get_user_model().objects.filter(username="carol").exists()
    invitation.refresh_from_db()
    assert invitation.uses == 0


@pytest.mark.parametrize("how", ["staff", "update"])
def test_a_deactivated_members_invitations_are_listed_as_inactive(alice, bob, how):
    invite(alice)
    deactivate(alice, how)
    bob.is_staff = True

    [listed] = invitations.visible_to(bob)

    assert invitations.state(listed) == "inactive"


def test_a_maker_deactivated_after_the_lookup_still_lets_nobody_in(alice, monkeypatch):
    # The use is taken by one conditional UPDATE, which reads the maker's state too.
    _invitation, token = invite(alice)
    found = invitations.invitation_for_token(token, ADDRESS)
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)
    monkeypatch.setattr(invitations, "invitation_for_token", lambda token, address: found)

    with pytest.raises(Forbidden) as refused:
        invitations.join(token, signup_data("carol"), ADDRESS)

    assert refused.value.message == invitations.MAKER_INACTIVE
    assert not get_user_model().objects.filter(username="carol").exists()


def test_a_reactivated_members_invitation_works_again(alice):
    _invitation, token = invite(alice)
    deactivate(alice, "update")
    get_user_model().objects.filter(pk=alice.pk).update(is_active=True)

    invitations.join(token, signup_data("carol"), ADDRESS)


@pytest.mark.parametrize("token", ["nope", "x" * 43, "x" * 500, ""])
def test_an_unknown_token_is_not_found(alice, token):
    invite(alice)

    with pytest.raises(NotFound) as refused:
        invitations.join(token, signup_data("carol"), ADDRESS)

    assert refused.value.message == invitations.UNKNOWN
    assert not get_user_model().objects.filter(username="carol").exists()


def test_an_invalid_form_uses_nothing(alice):
    invitation, token = invite(alice)

    with pytest.raises(Invalid):
        invitations.join(token, {**signup_data("carol"), "password2": "other"}, ADDRESS)

    invitation.refresh_from_db()
    assert invitation.uses == 0


def test_unknown_tokens_are_limited_per_client_address(alice):
    invite(alice)
    for number in range(invitations.TOKEN_GUESSES.limit):
        with pytest.raises(NotFound):
            invitations.invitation_for_token(f"guess-{number}", ADDRESS)

    with pytest.raises(TooFast):
        invitations.invitation_for_token("one-guess-more", ADDRESS)
    with pytest.raises(NotFound):  # another address has its own budget
        invitations.invitation_for_token("one-guess-more", "198.51.100.7")


def test_guesses_do_not_lock_a_real_invitation_out_of_the_same_address(alice):
    _invitation, token = invite(alice)
    for number in range(invitations.TOKEN_GUESSES.limit + 5):
        with pytest.raises((NotFound, TooFast)):
            invitations.invitation_for_token(f"guess-{number}", ADDRESS)

    assert invitations.invitation_for_token(token, ADDRESS).created_by == alice
    invitations.join(token, signup_data("carol"), ADDRESS)


def test_good_tokens_do_not_spend_the_budget(alice):
    _invitation, token = invite(alice, max_uses=100)

    for _ in range(invitations.TOKEN_GUESSES.limit + 5):
        invitations.invitation_for_token(token, ADDRESS)


def test_join_is_refused_unless_signup_is_by_invitation(settings, alice):
    _invitation, token = invite(alice)
    settings.CHAT_SIGNUP = "closed"

    with pytest.raises(NotFound) as refused:
        invitations.join(token, signup_data("carol"), ADDRESS)

    assert refused.value.message == accounts.ADMINS_ONLY


def test_join_counts_against_the_signup_limit(alice, monkeypatch):
    _invitation, token = invite(alice, max_uses=100)
    for number in range(ratelimit.SIGNUP.limit):
        invitations.join(token, signup_data(f"person-{'abcdefghij'[number]}"), ADDRESS)

    with pytest.raises(TooFast):
        invitations.join(token, signup_data("one-more"), ADDRESS)


@pytest.mark.django_db(transaction=True)
def test_two_people_racing_for_the_last_use_cannot_both_get_in(alice, monkeypatch):
    _invitation, token = invite(alice)
    both_checked = threading.Barrier(2, timeout=10)
    validate = accounts.valid_signup

    def valid_then_wait(data):
        form = validate(data)
        both_checked.wait()  # each has seen a use left before either takes it
        return form

    monkeypatch.setattr(accounts, "valid_signup", valid_then_wait)
    outcomes: dict[str, object] = {}

    def sign_up(name: str) -> None:
        try:
            outcomes[name] = invitations.join(token, signup_data(name), ADDRESS)
        except Exception as error:
            outcomes[name] = error
        finally:
            connection.close()

    racers = [threading.Thread(target=sign_up, args=(name,)) for name in ("carol", "dave")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(20)

    refused = [o for o in outcomes.values() if isinstance(o, Forbidden)]
    assert len(refused) == 1, outcomes
    assert refused[0].message == invitations.USED_UP
    assert get_user_model().objects.filter(username__in=["carol", "dave"]).count() == 1
    assert Invitation.objects.get().uses == 1
