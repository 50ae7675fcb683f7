"""The input rules (``chat.fields`` and each capability's ``forms``): what a message, a room, a
username and a sign-up may be."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chat.characters import refused_characters
from chat.fields import has_visible_text, printable
from chat.messages.forms import AttachmentForm, MessageForm
from chat.people.forms import SignupForm
from chat.rooms.forms import RoomForm, UsernameForm
from tests.support.accounts import PASSWORD

REQUIRED_BODY = "Write something before sending."
NOT_TEXT = "This message contains characters that are not valid text."
OUT_OF_DATE = "This page is out of date: reload it to send messages."
SEND_ID = "0b6f3e4c-2a51-4d8e-9c1f-7a3b5d2e8f90"


def signup_form(username: str) -> SignupForm:
    return SignupForm({"username": username, "password1": PASSWORD, "password2": PASSWORD})


# --- MessageForm: the body ---------------------------------------------------------------


def test_message_form_body_is_stripped():
    form = MessageForm({"body": "  hello \n"})

    assert form.is_valid()
    assert form.cleaned_data["body"] == "hello"


def test_message_form_body_is_required():
    form = MessageForm({})

    assert not form.is_valid()
    assert form.errors["body"] == [REQUIRED_BODY]


@pytest.mark.parametrize(
    "body",
    ["   \n\t", "\u200b\u200b", "\u3164", "\u2800", "\u0301"],
    ids=["white-space", "zero-width", "hangul-filler", "braille-blank", "lone-combining-mark"],
)
def test_message_form_body_that_would_show_nothing_is_refused(body):
    form = MessageForm({"body": body})

    assert not form.is_valid()
    assert form.errors["body"] == [REQUIRED_BODY]


@pytest.mark.parametrize("body", ["❤️", "é", "e\u0301", "😀"])
def test_message_form_body_of_one_visible_character_is_accepted(body):
    form = MessageForm({"body": body})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == body


def test_message_form_body_of_the_longest_length_is_accepted():
    form = MessageForm({"body": "x" * 4000})

    assert form.is_valid()


def test_message_form_body_over_the_longest_length_is_refused_with_its_length():
    form = MessageForm({"body": "x" * 4001})

    assert not form.is_valid()
    assert form.errors["body"] == ["Messages are at most 4,000 characters (this one has 4,001)."]


@pytest.mark.parametrize("body", [42, ["a"], None], ids=["number", "list", "null"])
def test_message_form_body_that_is_not_a_string_counts_as_missing(body):
    form = MessageForm({"body": body})

    assert not form.is_valid()
    assert form.errors["body"] == [REQUIRED_BODY]


def test_message_form_body_with_a_lone_surrogate_is_refused_as_not_text():
    form = MessageForm({"body": "a\ud800b"})

    assert not form.is_valid()
    assert form.errors["body"] == [NOT_TEXT]


@pytest.mark.parametrize(
    "body",
    ["\U0001d159", "\ue000", "\u0378", "\uffff", "\U0001d159 \u3164\u2800", "\u202e"],
    ids=["null-notehead", "private-use", "unassigned", "noncharacter", "mixed", "rlo"],
)
def test_message_form_body_of_blank_characters_only_is_refused_as_empty(body):
    form = MessageForm({"body": body})

    assert not form.is_valid()
    assert form.errors["body"] == [REQUIRED_BODY]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("look \u202eexe.txt", "U+202E"),  # RIGHT-TO-LEFT OVERRIDE
        ("a \u202ab", "U+202A"),  # LEFT-TO-RIGHT EMBEDDING
        ("a \u2067b\u2069", "U+2067, U+2069"),  # an isolate and its end
        ("shop \ue000", "U+E000"),  # private use
        ("x\u0378", "U+0378"),  # unassigned
        ("x\uffff", "U+FFFF"),  # a noncharacter
    ],
)
def test_message_form_body_with_characters_that_are_not_text_or_reorder_it_is_refused(body, named):
    form = MessageForm({"body": body})

    assert not form.is_valid()
    assert form.errors["body"] == [
        "This message holds characters that are not text or that change the direction of "
        f"what follows ({named}): remove them."
    ]


@pytest.mark.parametrize(
    "body",
    ["שלום\u200f!", "مرحبا\u061c!", "new \U0001fae8", "👩\u200d💻", "e\u0301"],
    ids=["rlm", "arabic-letter-mark", "emoji-newer-than-unicodedata", "zwj", "accent"],
)
def test_message_form_keeps_direction_marks_joiners_and_new_emoji(body):
    assert MessageForm({"body": body}).is_valid()


def test_attachment_words_are_held_to_the_same_characters():
    upload = SimpleUploadedFile("a.txt", b"hello")

    form = AttachmentForm({"body": "see \u202eexe.txt"}, {"file": upload})

    assert not form.is_valid()
    assert "U+202E" in form.errors["body"][0]


def test_message_form_body_with_a_lone_surrogate_is_echoed_encodable():
    form = MessageForm({"body": "a\ud800b"})

    form.is_valid()

    assert form["body"].value() == "a\ufffdb"


# --- MessageForm: the send id ------------------------------------------------------------


def test_message_form_client_id_is_read_as_a_uuid():
    form = MessageForm({"body": "hi", "client_id": SEND_ID})

    assert form.is_valid()
    assert form.cleaned_data["client_id"] == uuid.UUID(SEND_ID)


def test_message_form_client_id_may_be_left_out():
    form = MessageForm({"body": "hi"})

    assert form.is_valid()
    assert form.cleaned_data["client_id"] is None


@pytest.mark.parametrize(
    "client_id",
    [5, [], {}, "not-a-uuid", SEND_ID[:-1], "\udfff"],
    ids=["number", "list", "object", "words", "short", "surrogate"],
)
def test_message_form_client_id_that_is_not_a_uuid_string_is_refused(client_id):
    form = MessageForm({"body": "hi", "client_id": client_id})

    assert not form.is_valid()
    assert form.errors["client_id"] == [OUT_OF_DATE]


def test_message_form_surrogate_in_the_send_id_does_not_blame_the_body():
    form = MessageForm({"body": "hi", "client_id": "\udfff"})

    assert not form.is_valid()
    assert dict(form.errors) == {"client_id": [OUT_OF_DATE]}


def test_message_form_ack_is_the_send_id_as_the_page_wrote_it():
    form = MessageForm({"body": "hi", "client_id": SEND_ID.upper()})

    assert form.ack == SEND_ID.upper()


@pytest.mark.parametrize(
    "client_id",
    ["\udfff", "not-a-uuid", 5, SEND_ID.replace("-", ""), f"{{{SEND_ID}}}", None],
    ids=["surrogate", "words", "number", "no-hyphens", "braces", "missing"],
)
def test_message_form_ack_is_none_unless_the_send_id_is_a_hyphenated_uuid(client_id):
    form = MessageForm({"body": "hi", "client_id": client_id})

    assert form.ack is None


def test_message_form_ack_of_an_unbound_form_is_none():
    assert MessageForm().ack is None


def test_message_form_unbound_offers_a_fresh_send_id_each_time():
    first, second = MessageForm(), MessageForm()

    assert isinstance(first.initial["client_id"], uuid.UUID)
    assert first.initial["client_id"] != second.initial["client_id"]


# --- helpers -----------------------------------------------------------------------------


def test_printable_replaces_a_lone_surrogate():
    assert printable("a\ud800b\udfffc") == "a\ufffdb\ufffdc"


def test_printable_keeps_any_encodable_text():
    text = "plain, é, 😀, \u200b and \u3164"

    assert printable(text) == text


@pytest.mark.parametrize(
    "text",
    ["", " \n", "\u200b\u200d\ufeff", "\u3164\u2800", "\u0301", "\U0001d159", "\ue000\u0378"],
)
def test_has_visible_text_is_false_for_text_that_looks_empty(text):
    assert has_visible_text(text) is False


@pytest.mark.parametrize("text", ["a", " . ", "\u200ba", "e\u0301", "❤️"])
def test_has_visible_text_is_true_for_one_visible_character(text):
    assert has_visible_text(text) is True


# --- RoomForm ----------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", "  ", "\u200b", "\u3164"])
def test_room_form_title_that_shows_nothing_is_refused(title):
    form = RoomForm({"title": title, "kind": "public"})

    assert not form.is_valid()
    assert form.errors["title"] == ["Give the room a name."]


def test_room_form_title_is_stripped():
    form = RoomForm({"title": "  Lunch ", "kind": "private"})

    assert form.is_valid()
    assert form.cleaned_data == {"title": "Lunch", "kind": "private", "members": []}


def test_room_form_refuses_a_direct_kind():
    form = RoomForm({"title": "Lunch", "kind": "direct"})

    assert not form.is_valid()
    assert list(form.errors) == ["kind"]


# --- UsernameForm ------------------------------------------------------------------------


def test_username_form_resolves_a_username_to_its_user(alice):
    form = UsernameForm({"username": " alice "})

    assert form.is_valid()
    assert form.cleaned_data["username"] == alice


def test_username_form_resolves_a_username_whatever_its_case(alice):
    form = UsernameForm({"username": "ALICE"})

    assert form.is_valid()
    assert form.cleaned_data["username"] == alice


def test_username_form_prefers_the_exact_username_to_a_case_variant(alice, make_user):
    shouting = make_user("ALICE")  # made before lookalikes were refused at sign-up

    form = UsernameForm({"username": "ALICE"})

    assert form.is_valid()
    assert form.cleaned_data["username"] == shouting


@pytest.mark.django_db
def test_username_form_names_who_is_missing():
    form = UsernameForm({"username": "ghost"})

    assert not form.is_valid()
    assert form.errors["username"] == ["There is nobody called “ghost”."]


# --- SignupForm --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("username", [".", "..", "-_"])
def test_signup_form_refuses_a_username_without_a_letter_or_digit(username):
    form = signup_form(username)

    assert not form.is_valid()
    assert form.errors["username"] == ["A username needs at least one letter or digit."]


def test_signup_form_refuses_a_lookalike_of_an_existing_username(alice):
    form = signup_form("\u0430lice")  # a Cyrillic small a, then "lice"

    assert not form.is_valid()
    assert form.errors["username"] == [
        "“\u0430lice” looks too much like “alice”, who is already here: pick another name."
    ]


def test_signup_form_refuses_a_case_variant_with_djangos_own_words(alice):
    form = signup_form("Alice")

    assert not form.is_valid()
    assert form.errors["username"] == ["A user with that username already exists."]


def test_signup_form_accepts_a_name_unlike_anyone_elses(alice):
    form = signup_form("alicia")

    assert form.is_valid(), form.errors
    assert form.save().username == "alicia"


def test_refused_characters_are_named_each_once_in_the_order_typed():
    typed = "ok \u202e then \ue000 and \u202e again\u202e, \U0001f600 \ue000"

    assert refused_characters(typed) == ["\u202e", "\ue000"]
    assert refused_characters("plain ASCII, tabs\tand\nbreaks") == []
    assert refused_characters("caf\u00e9 \U0001f600 \u200f") == []
