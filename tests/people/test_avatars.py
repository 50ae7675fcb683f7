"""A person's avatar (``chat.people.profiles``): the default one's initials and colour, and a
picture checked, squared and stored, its old files gone."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from chat import images
from chat.errors import NotFound
from chat.limits import PROFILE_CHANGES_PER_HOUR
from chat.models import AVATAR_COLOURS
from chat.people import profiles
from tests.support import REPO
from tests.support.files import (
    CAMERA,
    GPS_IFD,
    HTML,
    bomb_png,
    encoded,
    opened,
    photo_with_gps,
    png,
    read,
    stored_files,
    truncated_png,
)
from tests.support.profiles import edit, refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

CSS = REPO / "static" / "chat" / "chat.css"


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
