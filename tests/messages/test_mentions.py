"""Mentions (``chat.messages.mentions``): finding ``@username`` in a body, recording the members it
names, and the body shown escaped with those mentions linked."""

from __future__ import annotations

import pytest

from chat.broadcast import events
from chat.messages import mentions
from chat.messages import posting as messages
from chat.models import Mention, Message
from chat.rooms import lobby
from chat.rooms import services as rooms
from tests.support.events import record_events
from tests.support.joining import join
from tests.support.messages import HTMX

# --- finding names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("@alice", {"alice"}),
        ("lunch, @Bob?", {"bob"}),
        ("@alice and @bob", {"alice", "bob"}),
        ("see you @alice.", {"alice"}),
        ("@alice, lunch?", {"alice"}),
        ("(@alice)", {"alice"}),
        ("@alice.bob is a name", {"alice.bob"}),
    ],
    ids=["alone", "case-folded", "two", "full-stop", "comma", "brackets", "dot-inside"],
)
def test_named_finds_the_usernames_a_body_mentions(body, names):
    assert mentions.named(body) == names


@pytest.mark.parametrize(
    "body",
    ["mail x@alice.com", "a@alice", "no one here", "@", "@."],
    ids=["e-mail", "inside-a-word", "none", "bare-at", "at-dot"],
)
def test_named_ignores_what_is_not_a_mention(body):
    assert mentions.named(body) == set()


# --- recording --------------------------------------------------------------------------


@pytest.mark.django_db
def test_record_stores_a_mention_of_a_member(alice, secret):
    message = Message.objects.create(room=secret, author=alice, body="note to @alice")

    found = mentions.record(message)

    assert [m.user for m in found] == [alice]
    assert list(Mention.objects.values_list("message", "user")) == [(message.id, alice.pk)]


@pytest.mark.django_db
def test_record_ignores_people_who_are_not_members(alice, mallory, secret):
    message = Message.objects.create(room=secret, author=alice, body="@mallory must not know")

    found = mentions.record(message)

    assert found == []
    assert not Mention.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("said_in", ["private", "public"])
def test_a_member_of_another_room_only_is_not_mentioned(
    login, alice, bob, lunch, secret, monkeypatch, said_in
):
    # bob belongs to one of alice's rooms, and is named in the other.
    if said_in == "private":
        join(bob, "lunch")
        room = secret
    else:
        rooms.add_member(secret, alice, {"username": "bob"})
        room = lunch
    sent = record_events(monkeypatch)

    posted = messages.post_message(room, alice, {"body": "@bob must not know"})

    assert not Mention.objects.exists()
    assert [event for event in sent if event["type"] == events.NOTIFY] == []
    article = login(alice).get(f"/m/{posted.message.id}/", **HTMX).content.decode()
    for html in (posted.frame, article):
        assert "@bob must not know" in html
        assert 'class="mention"' not in html
    groups, directs = lobby.my_rooms(bob)
    assert [entry.mentioned for entry in groups + directs] == [0]


@pytest.mark.django_db
def test_record_ignores_names_of_nobody(alice, lunch):
    message = Message.objects.create(room=lunch, author=alice, body="@nobody @alicee")

    assert mentions.record(message) == []
    assert not Mention.objects.exists()


@pytest.mark.django_db
def test_record_matches_a_member_whatever_the_case_typed(alice, bob, lunch):
    join(bob, "lunch")
    message = Message.objects.create(room=lunch, author=alice, body="@BOB and @Bob")

    mentions.record(message)

    assert list(Mention.objects.values_list("user", flat=True)) == [bob.pk]


# --- linking ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_linked_body_escapes_everything_and_links_the_mention(alice):
    html = mentions.linked_body("<b>@alice</b> & co", [alice])

    assert html == (
        "&lt;b&gt;"
        f'<a class="mention" href="/p/alice/" data-user-id="{alice.pk}">@alice</a>'
        "&lt;/b&gt; &amp; co"
    )


@pytest.mark.django_db
def test_linked_body_links_only_the_people_given(alice, bob):
    html = mentions.linked_body("@alice @bob", [alice])

    assert html == (
        f'<a class="mention" href="/p/alice/" data-user-id="{alice.pk}">@alice</a> @bob'
    )


@pytest.mark.django_db
def test_linked_body_with_nobody_given_is_the_body_escaped(alice):
    html = mentions.linked_body('@alice <script>alert("x")</script>', [])

    assert html == "@alice &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.mark.django_db
def test_linked_body_shows_the_username_as_stored_whatever_the_case_typed(make_user):
    carol = make_user("Carol")

    html = mentions.linked_body("hi @CAROL.", [carol])

    assert html == (f'hi <a class="mention" href="/p/Carol/" data-user-id="{carol.pk}">@Carol</a>.')


@pytest.mark.django_db
def test_linked_body_does_not_link_an_e_mail_address(alice):
    html = mentions.linked_body("write to x@alice.com", [alice])

    assert html == "write to x@alice.com"
