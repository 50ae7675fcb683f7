"""The name a person is shown by (``chat.people.profiles``, ``chat.models.name_of``): a display
name's rules (stripped, no hidden characters, no passing for someone else) and the bio's."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from chat.models import Profile, name_of, name_of_sql
from chat.usernames import skeleton
from tests.support.profiles import edit, refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


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
    monkeypatch.setattr("chat.people.forms.display_name_problem", lambda name, user: None)

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
