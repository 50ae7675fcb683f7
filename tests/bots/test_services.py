"""Making and revoking bots (``chat.bots.services``): a bot's token, account, name, avatar and
outgoing URL, who may make one and how many, and who may revoke it."""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings as django_settings

from chat.bots import services as bots
from chat.broadcast import frames as rendering
from chat.errors import Forbidden, Invalid, NotFound, TooFast
from chat.models import Bot, Membership, Message, Room
from chat.people.forms import SignupForm
from chat.rooms import services as rooms
from tests.support.bots import make_bot
from tests.support.joining import join

pytestmark = pytest.mark.usefixtures("hooks_finish")


# --- making a bot ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_bots_token_is_returned_once_and_only_its_hash_is_stored(alice, lunch):
    bot, token = make_bot(lunch, alice)

    assert len(token) == 43  # secrets.token_urlsafe(32)
    assert Bot.objects.get(pk=bot.pk).token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Bot.objects.filter(pk=bot.pk).values().get())


@pytest.mark.django_db
def test_a_bot_is_an_account_of_its_own_that_cannot_sign_in(alice, lunch):
    bot, _token = make_bot(lunch, alice)

    assert bot.user.username == "helper"
    assert bot.user.profile.is_bot is True
    assert not bot.user.has_usable_password()


@pytest.mark.django_db
def test_a_bot_is_a_member_of_its_room(alice, lunch):
    bot, _token = make_bot(lunch, alice)

    assert Membership.objects.filter(room=lunch, user=bot.user).exists()
    assert bot.created_by == alice


@pytest.mark.django_db
def test_a_member_of_a_private_room_makes_a_bot_for_it(alice, secret):
    bot, _token = make_bot(secret, alice)

    assert bot.room == secret


@pytest.mark.django_db
def test_the_avatar_letter_defaults_to_the_names_first_letter_upper_cased(alice, lunch):
    bot, _token = make_bot(lunch, alice, "weatherbot")

    assert bot.avatar_letter == "W"


@pytest.mark.django_db
def test_a_chosen_avatar_is_kept(alice, lunch):
    bot, _token = make_bot(lunch, alice, avatar_letter="🤖")

    assert bot.avatar_letter == "🤖"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "letter", ["abc", "A\u200b", "\u3164"], ids=["three", "zero-width", "filler"]
)
def test_an_avatar_is_one_or_two_visible_characters(alice, lunch, letter):
    with pytest.raises(Invalid) as refused:
        make_bot(lunch, alice, avatar_letter=letter)

    assert refused.value.message == "The avatar is one or two visible characters."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Give the bot a name."),
        ("..", "A username needs at least one letter or digit."),
        (
            "two words",
            "Enter a valid username. This value may contain only letters, numbers, "
            "and @/./+/-/_ characters.",
        ),
        ("bob", "“bob” is taken: pick another name."),
        ("BOB", "“BOB” is taken: pick another name."),
        (
            "b\u043eb",
            "“b\u043eb” looks too much like “bob”, who is already here: pick another name.",
        ),
    ],
    ids=["empty", "dots", "space", "taken", "taken-case", "lookalike"],
)
def test_a_bots_name_follows_the_username_rules(alice, bob, lunch, name, error):
    with pytest.raises(Invalid) as refused:
        make_bot(lunch, alice, name)

    assert refused.value.message == error
    assert not Bot.objects.exists()


@pytest.mark.django_db
def test_nobody_can_sign_up_as_a_lookalike_of_a_bot(alice, lunch):
    make_bot(lunch, alice, "helper")

    form = SignupForm({"username": "HELPER", "password1": "x8#kQ!v2Lm", "password2": "x8#kQ!v2Lm"})

    assert not form.is_valid()


CANNOT = "This address cannot be called: "


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.org/hook", CANNOT + "only http and https URLs are called."),
        ("http://127.0.0.1:9000/hook", CANNOT + "the address is on a private network."),
        ("http://[::1]/hook", CANNOT + "the address is on a private network."),
        ("https://me:pw@example.org/", CANNOT + "the URL may not hold a user name or password."),
        ("javascript:alert(1)", "Enter a whole address, starting with https:// or http://."),
    ],
    ids=["ftp", "loopback", "loopback-v6", "credentials", "javascript"],
)
def test_an_outgoing_url_that_could_never_be_called_is_refused(alice, lunch, url, error):
    with pytest.raises(Invalid) as refused:
        make_bot(lunch, alice, outgoing_url=url)

    assert refused.value.message == error


@pytest.mark.django_db
def test_a_private_outgoing_url_is_allowed_with_the_setting(alice, lunch, settings):
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = True

    bot, _token = make_bot(lunch, alice, outgoing_url="http://127.0.0.1:9000/hook")

    assert bot.outgoing_url == "http://127.0.0.1:9000/hook"


@pytest.mark.django_db
def test_only_a_member_makes_a_bot(alice, bob, lunch):
    with pytest.raises(NotFound) as refused:
        make_bot(lunch, bob)

    assert refused.value.message == "You are not a member of this room: join it first."
    assert not Bot.objects.exists()


@pytest.mark.django_db
def test_a_direct_conversation_has_no_bots(alice, bob):
    room = rooms.open_direct_room(alice, bob)

    with pytest.raises(NotFound) as refused:
        make_bot(room, alice)

    assert refused.value.message == "Only group rooms have bots."


@pytest.mark.django_db
def test_nobody_opens_a_direct_conversation_with_a_bot(alice, lunch, login):
    make_bot(lunch, alice)

    with pytest.raises(NotFound) as refused:
        rooms.person("helper")
    response = login(alice).get("/p/helper/")

    message = "helper is a bot: it answers in its own room, not in direct messages."
    assert refused.value.message == message
    assert response.status_code == 404
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()


@pytest.mark.django_db
def test_a_bot_cannot_be_added_to_another_room(alice, lunch, secret):
    make_bot(lunch, alice)

    with pytest.raises(Invalid) as refused:
        rooms.add_member(secret, alice, {"username": "helper"})

    assert refused.value.message == (
        "helper is a bot of another room: bots belong to the room they were made for."
    )
    assert not Membership.objects.filter(room=secret, user__username="helper").exists()


@pytest.mark.django_db
def test_the_11th_bot_in_an_hour_is_refused(alice, lunch):
    assert django_settings.CHAT_ROOMS_PER_PERSON_PER_HOUR == 10
    for n in range(10):
        bots.create_bot(lunch, alice, {"name": f"bot{n}"})

    with pytest.raises(TooFast) as refused:
        bots.create_bot(lunch, alice, {"name": "one-too-many"})

    assert refused.value.message.startswith(
        "You have created many bots in a short time. Try again in "
    )
    assert Bot.objects.count() == 10


# --- revoking --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_member_revokes_a_bot_and_it_leaves_the_members_list(alice, bob, lunch):
    join(bob, "lunch")
    bot, _token = make_bot(lunch, alice)

    bots.revoke_bot(lunch, bob, bot.pk)

    assert Bot.objects.get(pk=bot.pk).revoked_at is not None
    assert not Membership.objects.filter(room=lunch, user=bot.user).exists()


@pytest.mark.django_db
def test_a_revoked_bot_posts_nothing(alice, lunch):
    bot, token = make_bot(lunch, alice)
    bots.revoke_bot(lunch, alice, bot.pk)

    with pytest.raises(Forbidden) as refused:
        bots.bot_post(token, {"body": "still here?"})

    assert refused.value.message == "This bot token is not valid, or its bot was revoked."
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_revoked_bot_stays_shown_on_its_old_messages(alice, lunch):
    bot, token = make_bot(lunch, alice)
    posted = bots.bot_post(token, {"body": "before"})
    bots.revoke_bot(lunch, alice, bot.pk)

    message = Message.objects.for_room(lunch).get(pk=posted.message.id)

    assert '<a class="author name" href="/u/helper/" title="@helper">helper</a>' in (
        rendering.message_article(message)
    )


@pytest.mark.django_db
def test_only_a_member_revokes_a_bot(alice, bob, lunch):
    bot, _token = make_bot(lunch, alice)

    with pytest.raises(NotFound):
        bots.revoke_bot(lunch, bob, bot.pk)

    assert Bot.objects.get(pk=bot.pk).revoked_at is None


@pytest.mark.django_db
def test_a_bot_of_another_room_cannot_be_revoked_from_here(alice, lunch, secret):
    bot, _token = make_bot(secret, alice)

    with pytest.raises(NotFound) as refused:
        bots.revoke_bot(lunch, alice, bot.pk)

    assert refused.value.message == "There is no such bot in this room."
