"""Invitations (``chat.invitations``): making, listing and revoking links, and signing up
through one, with its token hashed, its uses counted atomically and guesses limited."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from chat import accounts, invitations, ratelimit, staff
from chat.errors import Forbidden, Invalid, NotFound, TooFast
from chat.models import AuditEntry, Invitation
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.5"


@pytest.fixture(autouse=True)
def by_invitation(settings):
    settings.CHAT_SIGNUP = "invite"


def signup_data(username: str) -> dict[str, str]:
    return {"username": username, "password1": PASSWORD, "password2": PASSWORD}


def invite(creator, max_uses: int = 1, days: int = 7) -> tuple[Invitation, str]:
    return invitations.create_invitation(
        creator, {"max_uses": str(max_uses), "expires_in_days": str(days)}
    )


# --- making ----------------------------------------------------------------------------------


def test_create_invitation_stores_only_the_tokens_hash(alice):
    invitation, token = invite(alice)

    assert len(token) >= 43
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_create_invitation_gives_a_new_token_every_time(alice):
    tokens = {invite(alice)[1] for _ in range(5)}

    assert len(tokens) == 5


def test_create_invitation_sets_uses_and_expiry(alice):
    invitation, _token = invite(alice, max_uses=5, days=30)

    assert invitation.max_uses == 5
    assert invitation.uses == 0
    expected = timezone.now() + timedelta(days=30)
    assert abs((invitation.expires_at - expected).total_seconds()) < 5


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"max_uses": "0", "expires_in_days": "7"}, "At least one person must be able to use it."),
        ({"max_uses": "101", "expires_in_days": "7"}, "An invitation is for at most 100 people."),
        ({"max_uses": "1", "expires_in_days": "365"}, "Pick 1, 7 or 30 days."),
        ({"expires_in_days": "7"}, "Say how many people may use it (1 for one person)."),
    ],
)
def test_create_invitation_refuses_bad_input(alice, data, words):
    with pytest.raises(Invalid) as refused:
        invitations.create_invitation(alice, data)

    assert refused.value.message == words
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("mode", ["open", "closed"])
def test_create_invitation_is_refused_unless_signup_is_by_invitation(settings, alice, mode):
    settings.CHAT_SIGNUP = mode

    with pytest.raises(Forbidden) as refused:
        invite(alice)

    assert refused.value.message == invitations.why_not_inviting()
    assert not Invitation.objects.exists()


def test_a_deactivated_person_cannot_invite(alice):
    alice.is_active = False

    with pytest.raises(Forbidden):
        invite(alice)


def test_create_invitation_is_limited_per_person(alice, bob):
    for _ in range(invitations.INVITATION_CREATION.limit):
        invite(alice)

    with pytest.raises(TooFast):
        invite(alice)
    invite(bob)


def test_may_invite_any_member_only_while_inviting(settings, alice, django_user_model):
    assert invitations.may_invite(alice) is True

    settings.CHAT_SIGNUP = "open"

    assert invitations.may_invite(alice) is False


def test_create_invitation_is_in_the_audit_log(alice):
    invitation, _token = invite(alice, max_uses=3)

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action) == (alice, AuditEntry.Action.INVITATION_CREATED)
    assert entry.details.startswith(f"invitation {invitation.pk}: for 3 people, until ")


# --- listing and revoking ---------------------------------------------------------------


def test_members_see_their_own_invitations_staff_see_all(alice, bob, mallory):
    mine, _ = invite(alice)
    theirs, _ = invite(bob)
    mallory.is_staff = True

    assert list(invitations.visible_to(alice)) == [mine]
    assert list(invitations.visible_to(mallory)) == [theirs, mine]


def test_the_creator_revokes_an_invitation(alice):
    invitation, token = invite(alice)

    invitations.revoke_invitation(alice, invitation.pk)

    with pytest.raises(Forbidden) as refused:
        invitations.invitation_for_token(token, ADDRESS)
    assert refused.value.message == invitations.REVOKED
    assert AuditEntry.objects.filter(action=AuditEntry.Action.INVITATION_REVOKED).count() == 1


def test_staff_revoke_anyones_invitation(alice, bob):
    invitation, _ = invite(alice)
    bob.is_staff = True
    bob.save()

    invitations.revoke_invitation(bob, invitation.pk)

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_someone_else_cannot_revoke_an_invitation_nor_learn_it_exists(alice, bob):
    invitation, _ = invite(alice)

    with pytest.raises(NotFound):
        invitations.revoke_invitation(bob, invitation.pk)

    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_revoking_twice_logs_once(alice):
    invitation, _ = invite(alice)

    invitations.revoke_invitation(alice, invitation.pk)
    invitations.revoke_invitation(alice, invitation.pk)

    assert AuditEntry.objects.filter(action=AuditEntry.Action.INVITATION_REVOKED).count() == 1


# --- signing up through one --------------------------------------------------------------------


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
