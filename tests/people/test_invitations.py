"""Invitations (``chat.people.invitations``): making them, with the token hashed, who may and
how often, and listing and revoking them."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.errors import Forbidden, Invalid, NotFound, TooFast
from chat.models import AuditEntry, Invitation
from chat.people import invitations
from tests.support.invitations import invite
from tests.support.signups import ADDRESS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("by_invitation")]


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
