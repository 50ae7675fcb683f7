"""Profiles (``chat.profiles``): the name shown, the rules of a display name, the picture
checked, squared and stored, its old files gone, the limit on changes, and how a change
reaches the pages already open."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from PIL import Image

from chat import bots, images, messages, notifications, profiles, rendering, rooms
from chat.errors import Invalid, NotFound, TooFast
from chat.limits import PROFILE_CHANGES_PER_HOUR
from chat.models import AVATAR_COLOURS, Profile, name_of, name_of_sql
from chat.typists import Typist
from chat.usernames import skeleton
from tests.conftest import say
from tests.files import (
    CAMERA,
    GPS_IFD,
    HTML,
    bomb_png,
    encoded,
    opened,
    photo_with_gps,
    png,
    stored_files,
    truncated_png,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

CSS = Path(__file__).resolve().parent.parent / "static" / "chat" / "chat.css"
HOSTILE = "<img src=x onerror=alert(1)>\"'"
TIMEOUT = 3


def edit(user, picture: bytes | None = None, name: str = "picture.png", **data):
    """Save ``user``'s profile as the form would send it."""
    files = {"avatar": upload(name, picture)} if picture is not None else {}
    return profiles.edit_profile(user, {"display_name": "", "bio": ""} | data, files)


def refused(user, field: str, **data) -> str:
    """The error the form holds for ``field`` when ``user`` sends ``data``."""
    with pytest.raises(Invalid) as refusal:
        edit(user, **data)
    return refusal.value.form.errors[field][0]


def read(field) -> bytes:
    with field.storage.open(field.name, "rb") as stored:
        return stored.read()


# --- the name shown ----------------------------------------------------------------------


def test_name_of_is_the_username_without_a_display_name(alice):
    assert name_of(alice) == "alice"


def test_name_of_is_the_display_name_once_set(alice):
    edit(alice, display_name="Ada Lovelace")
    alice.refresh_from_db()

    assert name_of(alice) == "Ada Lovelace"


def test_name_of_sql_agrees_with_name_of(alice, bob):
    edit(alice, display_name="Ada Lovelace")

    names = dict(
        get_user_model().objects.annotate(shown=name_of_sql()).values_list("username", "shown")
    )

    assert names == {"alice": "Ada Lovelace", "bob": "bob"}


def test_a_display_name_is_stripped_and_its_spaces_made_single(alice):
    profile = edit(alice, display_name="  Ada \t\n Lovelace  ")

    assert profile.display_name == "Ada Lovelace"


def test_a_display_name_of_white_space_only_means_none(alice):
    edit(alice, display_name="Ada")

    profile = edit(alice, display_name="   ")

    assert profile.display_name == ""
    assert profile.name == "alice"


def test_a_display_name_is_at_most_50_characters(alice):
    error = refused(alice, "display_name", display_name="a" * 51)

    assert error == "A display name is at most 50 characters (this one has 51)."


@pytest.mark.parametrize(
    "name",
    [
        "\u202eevil",  # RIGHT-TO-LEFT OVERRIDE
        "bob\u2066x",  # LEFT-TO-RIGHT ISOLATE
        "a\u200fb",  # RIGHT-TO-LEFT MARK
        "\u200b",  # ZERO WIDTH SPACE
        "Ada\ufeff",  # a byte-order mark
        "\u3164\u3164",  # Hangul fillers
        "Ada \ue000",  # private use
        "Ada \u0378",  # unassigned
        "Ada \U0001d159",  # MUSICAL SYMBOL NULL NOTEHEAD, which shows nothing
    ],
    ids=str.split("rlo isolate rlm zero-width-space bom filler private unassigned null-notehead"),
)
def test_a_display_name_with_hidden_characters_is_refused(alice, name):
    error = refused(alice, "display_name", display_name=name)

    assert error.startswith("A display name may not hold invisible or direction-changing")
    assert not Profile.objects.get(user=alice).display_name


def test_the_refusal_names_the_hidden_character(alice):
    error = refused(alice, "display_name", display_name="Ada\u202eecalovoL")

    assert "U+202E" in error


@pytest.mark.parametrize(
    ("bio", "named"),
    [
        ("I ship \u202egnp.exe", "U+202E"),
        ("\u2066quoted\u2069", "U+2066, U+2069"),
        ("\ue000!", "U+E000"),
    ],
)
def test_a_bio_with_characters_that_are_not_text_or_reorder_it_is_refused(alice, bio, named):
    error = refused(alice, "bio", bio=bio)

    assert error == (
        "A bio may not hold characters that are not text or that change the direction of "
        f"what follows ({named})."
    )


def test_a_bio_of_blank_characters_is_kept_as_none(alice):
    assert edit(alice, bio="\U0001d159 \u3164").bio == ""


def test_a_display_name_of_marks_alone_is_refused(alice):
    error = refused(alice, "display_name", display_name="\u0301\u0301")

    assert error.startswith("A display name must show something")


@pytest.mark.parametrize(
    "name",
    [
        "👩\u200d💻 Ada",  # woman technologist: a joiner inside an emoji sequence
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f Ada",  # England's flag
        "مهرداد\u200cی",  # a non-joiner in a Persian word
        "Zoë 👋🏽",
    ],
    ids=["zwj-emoji", "tag-flag", "zwnj", "skin-tone"],
)
def test_a_display_name_with_joiners_that_show_something_is_kept(alice, name):
    assert edit(alice, display_name=name).display_name == name


def test_a_display_name_may_not_pass_for_someone_elses_username(alice, bob):
    lookalike = "B\u043eb"  # with a Cyrillic o

    error = refused(alice, "display_name", display_name=lookalike)

    assert error == (
        f"“{lookalike}” looks like the username of @bob, who is someone else: pick another name."
    )


@pytest.mark.parametrize(
    "taken",
    ["Ada Lovelace", "ada lovelace", "\u0410da Lovelace", "Ada Lovelace "],
    ids=["same", "lower-case", "cyrillic-a", "space-after"],
)
def test_a_display_name_may_not_look_like_someone_elses_display_name(alice, bob, taken):
    edit(bob, display_name="Ada Lovelace")

    error = refused(alice, "display_name", display_name=taken)

    assert error == (
        f"“{taken.strip()}” looks like the name of @bob (“Ada Lovelace”), who is someone "
        "else: pick another name."
    )
    assert Profile.objects.get(user=alice).display_name == ""


def test_saving_ones_own_display_name_again_is_no_clash(alice):
    edit(alice, display_name="Ada Lovelace")

    assert edit(alice, display_name="Ada Lovelace", bio="hello").bio == "hello"


def test_any_number_of_people_go_without_a_display_name(alice, bob, mallory):
    for person in (alice, bob, mallory):
        edit(person, bio="no name")

    assert set(Profile.objects.values_list("display_name_skeleton", flat=True)) == {""}


def test_two_people_saving_look_alike_names_at_once_cannot_both_keep_them(alice, bob, monkeypatch):
    # Both pass the form's check before either is saved: the database's constraint decides.
    edit(bob, display_name="Ada Lovelace")
    monkeypatch.setattr("chat.forms.display_name_taken", lambda name, user: None)

    error = refused(alice, "display_name", display_name="\u0410da Lovelace")

    assert error.startswith("“\u0410da Lovelace” looks like the name of @bob")
    assert Profile.objects.get(user=alice).display_name == ""


def test_the_database_holds_display_name_skeletons_unique(alice, bob):
    edit(bob, display_name="Ada Lovelace")
    profile = Profile.objects.get(user=alice)
    profile.display_name = "ADA LOVELACE"

    with pytest.raises(IntegrityError), transaction.atomic():
        profile.save()


def test_the_migration_keeps_the_oldest_of_look_alike_names_already_there(alice, bob):
    migration = importlib.import_module("chat.migrations.0009_display_name_skeleton")
    Profile.objects.filter(user=alice).update(display_name="Ada", display_name_skeleton="")
    Profile.objects.filter(user=bob).update(display_name="ADA", display_name_skeleton="")

    migration.fill_skeletons(django_apps, None)

    assert Profile.objects.get(user=alice).display_name_skeleton == skeleton("Ada")
    assert Profile.objects.get(user=bob).display_name_skeleton == ""
    assert Profile.objects.get(user=bob).display_name == "ADA"  # kept until bob changes it


def test_a_display_name_may_be_ones_own_username_in_capitals(alice, bob):
    assert edit(alice, display_name="Alice").display_name == "Alice"


def test_a_bio_is_kept_stripped(alice):
    assert edit(alice, bio="  I write notes.\nAbout engines.  ").bio == (
        "I write notes.\nAbout engines."
    )


def test_a_bio_is_at_most_300_characters(alice):
    assert refused(alice, "bio", bio="x" * 301) == (
        "Say it in at most 300 characters (this has 301)."
    )


# --- the default avatar ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("display_name", "initials"),
    [("", "A"), ("Ada Lovelace", "AL"), ("ada augusta king", "AK"), ("élan", "É")],
)
def test_initials_are_the_first_letters_of_the_first_and_last_words(alice, display_name, initials):
    assert edit(alice, display_name=display_name).initials == initials


def test_initials_keep_an_emoji_sequence_whole(alice):
    assert edit(alice, display_name="👩\u200d💻 dev").initials == "👩\u200d💻D"


def test_initials_split_a_username_at_its_punctuation(make_user):
    assert make_user("ada_lovelace").profile.initials == "AL"


def test_the_colour_follows_the_user_id(alice, bob):
    colours = {alice.profile.colour, bob.profile.colour}

    assert alice.profile.colour == alice.pk % len(AVATAR_COLOURS)
    assert len(colours) == 2


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("colour", AVATAR_COLOURS)
def test_every_avatar_colour_keeps_white_initials_readable(colour):
    contrast = (1.0 + 0.05) / (_luminance(colour) + 0.05)

    assert contrast >= 4.5


def test_the_stylesheet_has_each_avatar_colour_in_order():
    rules = re.findall(r'span\.avatar\[data-colour="(\d+)"\] \{ background: (#[0-9a-f]{6}); \}',
                       CSS.read_text())  # fmt: skip

    assert rules == [(str(n), colour) for n, colour in enumerate(AVATAR_COLOURS)]


# --- the picture -------------------------------------------------------------------------


def test_a_picture_is_cut_square_in_two_sizes(alice):
    profile = edit(alice, png(800, 600))

    assert opened(read(profile.avatar)).size == (256, 256)
    assert opened(read(profile.avatar_small)).size == (64, 64)
    assert opened(read(profile.avatar)).format == "PNG"


def test_a_picture_keeps_no_metadata(alice):
    profile = edit(alice, photo_with_gps(), name="me.jpg")

    stored = opened(read(profile.avatar))
    assert stored.format == "JPEG"
    assert GPS_IFD not in stored.getexif()
    assert CAMERA.encode() not in read(profile.avatar)
    assert "comment" not in stored.info


def test_a_picture_is_recognised_by_its_bytes_not_its_name(alice):
    profile = edit(alice, encoded(Image.new("RGB", (90, 90), "teal"), "WEBP"), name="me.png")

    assert profile.avatar.name.endswith(".webp")


def test_something_that_is_no_picture_is_refused_and_costs_no_change(alice, media_root):
    error = refused(alice, "avatar", picture=HTML, name="me.png")

    assert error == "This is not a picture: choose a PNG, JPEG, GIF or WebP image."
    assert stored_files(media_root) == []
    for _ in range(PROFILE_CHANGES_PER_HOUR):
        edit(alice, display_name="Ada")


def test_a_damaged_picture_is_refused_with_the_words_for_any_image(alice, media_root):
    error = refused(alice, "avatar", picture=truncated_png())

    assert error == images.DAMAGED_IMAGE
    assert stored_files(media_root) == []


def test_a_decompression_bomb_is_refused(alice, media_root):
    error = refused(alice, "avatar", picture=bomb_png(20_000, 20_000))

    assert error == "This image is too large to open (over 25,000,000 pixels)."
    assert stored_files(media_root) == []


def test_a_picture_over_the_upload_limit_is_refused(alice, settings, media_root):
    settings.CHAT_UPLOAD_MAX_BYTES = 1000

    error = refused(alice, "avatar", picture=png(100, 100))

    assert error.startswith("Files are at most 1.0 kB")
    assert stored_files(media_root) == []


def test_a_new_picture_takes_the_old_ones_files_away(
    alice, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = edit(alice, png(100, 100))
    old = [first.avatar.name, first.avatar_small.name]

    with django_capture_on_commit_callbacks(execute=True):
        second = edit(alice, png(120, 120))

    kept = [str(path.relative_to(media_root)) for path in stored_files(media_root)]
    assert sorted(kept) == sorted([second.avatar.name, second.avatar_small.name])
    assert not set(old) & set(kept)


def test_removing_the_picture_takes_its_files_away(
    alice, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        edit(alice, png(100, 100))

    with django_capture_on_commit_callbacks(execute=True):
        profile = edit(alice, remove_avatar="on")

    assert not profile.avatar and not profile.avatar_small
    assert stored_files(media_root) == []


def test_saving_without_a_new_picture_keeps_the_old_one(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = edit(alice, png(100, 100))

    with django_capture_on_commit_callbacks(execute=True):
        second = edit(alice, display_name="Ada")

    assert second.avatar.name == first.avatar.name
    assert read(second.avatar)


def test_a_deleted_account_takes_its_picture_away(
    alice, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        edit(alice, png(100, 100))

    with django_capture_on_commit_callbacks(execute=True):
        alice.delete()

    assert stored_files(media_root) == []


def test_the_avatar_file_is_found_only_by_its_current_name(alice):
    profile = edit(alice, png(100, 100))
    name = profile.avatar_small.name.rsplit("/", 1)[-1]

    field, content_type = profiles.avatar_file(alice.pk, name)

    assert field.name == profile.avatar_small.name
    assert content_type == "image/png"
    with pytest.raises(NotFound):
        profiles.avatar_file(alice.pk, "other.png")


# --- limits ------------------------------------------------------------------------------


def test_profile_changes_are_limited_per_person(alice, bob):
    for _ in range(PROFILE_CHANGES_PER_HOUR):
        edit(alice, bio="again")

    with pytest.raises(TooFast) as refusal:
        edit(alice, bio="once more")

    assert refusal.value.message.startswith("You have changed your profile many times")
    edit(bob, bio="mine is fine")


# --- who sees what -----------------------------------------------------------------------


def test_a_profile_page_offers_a_conversation(alice, bob):
    page = profiles.person_page(alice, "bob")

    assert page.message_url == "/p/bob/"
    assert not page.is_me


def test_my_own_profile_page_offers_no_conversation(alice):
    page = profiles.person_page(alice, "alice")

    assert page.message_url is None
    assert page.is_me


def test_a_bots_profile_page_offers_no_conversation(alice, lunch):
    bots.create_bot(lunch, alice, {"name": "helper"})

    page = profiles.person_page(alice, "helper")

    assert page.profile.is_bot
    assert page.message_url is None


def test_nobody_of_that_name_is_not_found(alice):
    with pytest.raises(NotFound) as refusal:
        profiles.person_page(alice, "nobody")

    assert refusal.value.message == "There is nobody called “nobody” here."


def test_a_notification_is_titled_with_the_display_name(alice, bob):
    edit(alice, display_name="Ada Lovelace")
    alice.refresh_from_db()
    room = rooms.open_direct_room(alice, bob)
    message = say(room, alice, "hello")[0]

    assert 'data-title="Ada Lovelace"' in notifications.frame(message, message.author)


def test_a_resume_renders_old_messages_under_the_current_name(alice, lunch):
    say(lunch, alice, "said before")
    edit(alice, display_name="Ada")

    missed = messages.catch_up(lunch, after_id=0, cursor=0).messages

    assert 'title="@alice">Ada</a>' in rendering.new_messages_frame(missed)


def test_a_typing_line_escapes_the_name():
    html = rendering.typing_frame([Typist(1, HOSTILE, 0.0)])

    assert HOSTILE not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;&#x27; is typing…" in html


# --- live ----------------------------------------------------------------------------------


async def next_frame(socket, prefix: str) -> str:
    while True:
        html = await socket.receive_from(TIMEOUT)
        if html.startswith(prefix):
            return html


@pytest.mark.django_db(transaction=True)
async def test_a_new_name_reaches_the_members_list_of_open_pages(open_socket, alice, bob, lunch):
    await database_sync_to_async(rooms.enter_room)(bob, "lunch")
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await database_sync_to_async(edit)(alice, display_name="Ada Lovelace")

    members = await next_frame(bob_socket, '<div id="members"')
    assert '<a class="author name" href="/u/alice/" title="@alice">Ada Lovelace</a>' in members


@pytest.mark.django_db(transaction=True)
async def test_a_new_name_reaches_every_copy_of_the_person_on_open_pages(
    open_socket, alice, bob, lunch
):
    await database_sync_to_async(rooms.enter_room)(bob, "lunch")
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await database_sync_to_async(edit)(alice, display_name="Ada Lovelace")

    # After the members list (which holds one copy, so the frame always finds a target):
    # her byline, for every element of the page marked as hers, old messages included.
    await next_frame(bob_socket, '<div id="members"')
    byline = await bob_socket.receive_from(3)
    assert byline.startswith(
        f'<span class="byline" data-author-of="{alice.pk}" '
        f"hx-swap-oob=\"outerHTML:.byline[data-author-of='{alice.pk}']\">"
    )
    assert '<a class="author name" href="/u/alice/" title="@alice">Ada Lovelace</a>' in byline


@pytest.mark.django_db(transaction=True)
async def test_an_open_socket_types_and_posts_under_the_new_name(open_socket, alice, bob, lunch):
    await database_sync_to_async(rooms.enter_room)(bob, "lunch")
    alice_socket = await open_socket("/ws/r/lunch/", alice)
    bob_socket = await open_socket("/ws/r/lunch/", bob)
    await database_sync_to_async(edit)(alice, display_name="Ada Lovelace")
    await next_frame(alice_socket, '<div id="members"')  # her socket has seen the change

    await alice_socket.send_to(text_data=json.dumps({"type": "typing"}))
    typing = await next_frame(bob_socket, '<div id="typing"')
    await alice_socket.send_to(text_data=json.dumps({"body": "hello"}))
    message = await next_frame(bob_socket, '<div id="messages"')

    assert "Ada Lovelace is typing…" in typing
    assert 'title="@alice">Ada Lovelace</a>' in message
