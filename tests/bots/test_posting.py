"""Posting as a bot (``chat.bots.services``): under everyone's rules, and with its maker's
access, no more: a bot whose maker leaves, is removed or deactivated falls silent."""

from __future__ import annotations

import pytest

from chat.bots import services as bots
from chat.errors import Forbidden, Invalid, TooFast
from chat.models import Bot, Membership, Message, Room
from chat.people import staff
from chat.rooms import services as rooms
from tests.support import hook_pool
from tests.support.bots import bot_messages, make_bot, mention
from tests.support.hook_server import WAIT, send

pytestmark = pytest.mark.usefixtures("hooks_finish")


# --- posting as a bot ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bot_posts_as_its_own_account(alice, lunch):
    bot, token = make_bot(lunch, alice)

    posted = bots.bot_post(token, {"body": "hello, room"})

    assert posted.message.author == bot.user
    assert posted.message.room == lunch
    assert bot_messages(bot) == ["hello, room"]


@pytest.mark.django_db
def test_a_bots_message_is_rendered_once_marked_as_a_bots(alice, lunch):
    bot, token = make_bot(lunch, alice)

    posted = bots.bot_post(token, {"body": "hello"})

    assert f'data-author="{bot.user.pk}" data-bot data-revision=' in posted.frame
    assert (
        '<span class="badge bot" title="A bot: it posts through its token">bot</span>'
        in posted.frame
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write something before sending."),
        ("\u200b", "Write something before sending."),
        ("x" * 4001, "Messages are at most 4,000 characters (this one has 4,001)."),
    ],
    ids=["empty", "invisible", "too-long"],
)
def test_a_bots_post_is_validated_like_anyones(alice, lunch, body, error):
    _bot, token = make_bot(lunch, alice)

    with pytest.raises(Invalid) as refused:
        bots.bot_post(token, {"body": body})

    assert refused.value.message == error
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_bots_21st_post_in_10_seconds_is_refused(alice, lunch):
    bot, token = make_bot(lunch, alice)
    for n in range(20):
        bots.bot_post(token, {"body": f"tick {n}"})

    with pytest.raises(TooFast) as refused:
        bots.bot_post(token, {"body": "one too many"})

    assert refused.value.message.startswith("You are sending messages too fast. Wait ")
    assert len(bot_messages(bot)) == 20


@pytest.mark.django_db
def test_a_wrong_token_posts_nothing(alice, lunch):
    make_bot(lunch, alice)

    with pytest.raises(Forbidden) as refused:
        bots.bot_post("not-a-token", {"body": "hi"})

    assert refused.value.message == "This bot token is not valid, or its bot was revoked."
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_bot_removed_from_its_private_room_posts_nothing(alice, secret):
    _bot, token = make_bot(secret, alice)
    rooms.remove_member(secret, alice, {"username": "helper"})

    with pytest.raises(Forbidden) as refused:
        bots.bot_post(token, {"body": "let me back in"})

    assert refused.value.message == "This bot is no longer a member of its room."
    assert not Message.objects.exists()


# --- a bot has its maker's access, no more --------------------------------------------------


@pytest.fixture
def mallorys_bot(alice, mallory, secret, hook_server) -> tuple[Bot, str]:
    """A bot mallory made in alice's private room, its hook on the local hook server."""
    hook_server.answer = lambda handler: send(handler, 204)
    rooms.add_member(secret, alice, {"username": "mallory"})
    return make_bot(secret, mallory, "spy", outgoing_url=hook_server.url)


def assert_silenced(bot: Bot, token: str, room: Room, hook_server, error: str) -> None:
    """The bot posts nothing into ``room`` and its hook hears nothing of it."""
    with pytest.raises(Forbidden) as refused:
        bots.bot_post(token, {"body": "still listening"})
    assert refused.value.message == error
    mention(room, room.created_by, "@spy the launch codes are 1234")
    assert hook_pool.wait_idle(WAIT)
    assert hook_server.calls == []
    assert bot_messages(bot) == []


@pytest.mark.django_db(transaction=True)
def test_a_makers_bots_are_revoked_when_they_are_removed(alice, secret, mallorys_bot, hook_server):
    bot, token = mallorys_bot

    rooms.remove_member(secret, alice, {"username": "mallory"})

    assert Bot.objects.get(pk=bot.pk).revoked_at is not None
    assert not Membership.objects.filter(room=secret, user=bot.user).exists()
    assert_silenced(bot, token, secret, hook_server, bots.UNKNOWN_BOT)


@pytest.mark.django_db(transaction=True)
def test_a_makers_bots_are_revoked_when_they_leave(
    alice, mallory, secret, mallorys_bot, hook_server
):
    bot, token = mallorys_bot
    other, _other_token = make_bot(secret, alice, "alices-own")

    rooms.remove_member(secret, mallory, {"username": "mallory"})

    assert Bot.objects.get(pk=bot.pk).revoked_at is not None
    assert Bot.objects.get(pk=other.pk).revoked_at is None  # only the leaver's
    assert_silenced(bot, token, secret, hook_server, bots.UNKNOWN_BOT)


@pytest.mark.django_db(transaction=True)
def test_a_makers_bots_are_revoked_when_staff_deactivate_them(
    admin, mallory, secret, mallorys_bot, hook_server
):
    bot, token = mallorys_bot

    staff.act(admin, mallory.pk, "deactivate")

    assert Bot.objects.get(pk=bot.pk).revoked_at is not None
    assert_silenced(bot, token, secret, hook_server, bots.UNKNOWN_BOT)


def test_a_makers_bots_are_revoked_however_the_account_is_saved_inactive(mallory, mallorys_bot):
    bot, _token = mallorys_bot

    mallory.is_active = False
    mallory.save()  # as the admin or a script would: no staff page involved

    assert Bot.objects.get(pk=bot.pk).revoked_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_bot_of_a_maker_deactivated_without_a_signal_is_silent(
    mallory, secret, mallorys_bot, hook_server
):
    bot, token = mallorys_bot

    type(mallory).objects.filter(pk=mallory.pk).update(is_active=False)  # no signal, no revoke

    assert Bot.objects.get(pk=bot.pk).revoked_at is None
    error = "This bot's maker is no longer a member of its room."
    assert_silenced(bot, token, secret, hook_server, error)


@pytest.mark.django_db(transaction=True)
def test_a_bot_of_a_maker_gone_from_the_room_unannounced_is_silent(
    mallory, secret, mallorys_bot, hook_server
):
    bot, token = mallorys_bot

    Membership.objects.filter(room=secret, user=mallory).delete()  # behind the service's back

    assert_silenced(bot, token, secret, hook_server, bots.MAKER_GONE)


@pytest.mark.django_db(transaction=True)
def test_a_bot_of_a_maker_still_in_the_room_keeps_working(secret, mallorys_bot, hook_server):
    bot, token = mallorys_bot

    bots.bot_post(token, {"body": "hello"})
    mention(secret, secret.created_by, "@spy hi")

    assert hook_pool.wait_idle(WAIT)
    assert bot_messages(bot) == ["hello"]
    assert len(hook_server.calls) == 1
