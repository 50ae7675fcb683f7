"""Read receipts on the conversation page (``chat.people.receipts``,
``chat.broadcast.receipts``): "Seen" under the writer's message the other person read last,
in conversations of two only, and never when either of them turned receipts off; and the
switch on the profile page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat.models import Profile
from chat.people import receipts
from tests.support.messages import say, write_to

pytestmark = pytest.mark.django_db

SEEN = re.compile(r'<p id="seen" class="seen"[^>]*>[^<]*</p>')
SHOW_RULE = '+ .seen[data-upto]:not([hidden]):not([data-reader="{}"]) {{ display: block; }}'


def seen_of(html: str) -> str:
    """The page's one #seen element."""
    (found,) = SEEN.findall(html)
    return found


def page(client: Client, other) -> str:
    response = client.get(f"/p/{other.username}/")
    assert response.status_code == 200
    return response.content.decode()


def receipts_off(person) -> None:
    Profile.objects.filter(user=person).update(send_receipts=False)


def test_the_writer_sees_seen_under_the_message_the_other_read(login, alice, bob):
    _room, posted = write_to(alice, bob, "lunch?")
    page(login(bob), alice)  # bob opens the conversation: he has read it

    html = page(login(alice), bob)

    mine = posted.message.id
    receipt = f'<p id="seen" class="seen" data-reader="{bob.pk}" data-upto="{mine}">Seen</p>'
    assert receipt in html
    # Right under that message, where the page draws it (no script needed).
    assert re.search(rf'<article id="message-{mine}"[\s\S]*?</article>{re.escape(receipt)}', html)
    assert SHOW_RULE.format(alice.pk) in html


def test_nothing_read_yet_leaves_an_empty_hidden_seen_for_frames_to_replace(login, alice, bob):
    write_to(alice, bob, "lunch?")

    assert seen_of(page(login(alice), bob)) == '<p id="seen" class="seen" hidden></p>'


def test_the_receipt_stays_under_the_writers_message_when_the_reader_replies(login, alice, bob):
    room, posted = write_to(alice, bob, "lunch?")
    page(login(bob), alice)
    say(room, bob, "yes!")

    html = page(login(alice), bob)

    assert f'data-reader="{bob.pk}" data-upto="{posted.message.id}"' in seen_of(html)


def test_the_receipt_is_the_same_element_for_the_reader_who_hides_it_by_css(login, alice, bob):
    write_to(alice, bob, "lunch?")
    page(login(bob), alice)
    write_to(bob, alice, "yes!")
    page(login(alice), bob)  # alice has read bob's answer

    html = page(login(bob), alice)

    # Bob sees alice's reading of his message, and his rule hides his own reading.
    assert f'data-reader="{alice.pk}"' in seen_of(html)
    assert SHOW_RULE.format(bob.pk) in html


def test_no_receipt_when_the_reader_turned_receipts_off(login, alice, bob):
    write_to(alice, bob, "lunch?")
    receipts_off(bob)
    page(login(bob), alice)

    html = page(login(alice), bob)

    assert "data-reader" not in seen_of(html)


def test_no_receipt_for_a_viewer_who_turned_theirs_off(login, alice, bob):
    write_to(alice, bob, "lunch?")
    page(login(bob), alice)
    receipts_off(alice)

    html = page(login(alice), bob)

    assert "data-reader" not in seen_of(html)
    assert ".seen[data-upto]" not in html  # and the page shows none that might come


def test_no_receipt_in_a_room_of_more_people(login, alice, bob, lunch):
    say(lunch, alice, "soup?")
    assert login(bob).get("/r/lunch/").status_code == 200  # bob has read it

    html = login(alice).get("/r/lunch/").content.decode()

    assert "data-reader" not in seen_of(html)
    assert ".seen[data-upto]" not in html
    assert receipts.receipts.for_viewer(lunch, alice.pk) is None


def test_a_conversation_nobody_wrote_in_yet_will_show_receipts_as_they_come(login, alice, bob):
    # Its first message makes the room, and the page stays: frames come to it.
    html = page(login(alice), bob)

    assert seen_of(html) == '<p id="seen" class="seen" hidden></p>'
    assert SHOW_RULE.format(alice.pk) in html


def test_no_receipt_in_ones_own_notes(login, alice):
    write_to(alice, alice, "buy milk")

    html = page(login(alice), alice)

    assert "data-reader" not in seen_of(html)
    assert ".seen[data-upto]" not in html


# --- the switch --------------------------------------------------------------------------


def test_the_profile_page_has_the_switch_on_by_default(login, alice):
    html = login(alice).get("/accounts/profile/").content.decode()

    assert 'action="/accounts/profile/receipts"' in html
    assert 'name="send_receipts" id="id_send_receipts" value="on" checked' in html


def test_the_switch_turns_receipts_off_and_on(login, alice):
    client = login(alice)

    response = client.post("/accounts/profile/receipts", {})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert not receipts.sends_receipts(alice)
    html = client.get("/accounts/profile/").content.decode()
    assert 'name="send_receipts" id="id_send_receipts" value="on" aria' in html

    on = {"send_receipts": "on"}
    answer = client.post("/accounts/profile/receipts", on, HTTP_HX_REQUEST="true")
    assert receipts.sends_receipts(alice)
    assert answer.content.decode().startswith('<form id="receipts-switch"')
    assert "Saved: read receipts are on." in answer.content.decode()


def test_the_switch_is_post_only_and_needs_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.get("/accounts/profile/receipts").status_code == 405
    assert client.post("/accounts/profile/receipts", {}).status_code == 403
    assert receipts.sends_receipts(alice)
