"""Who hears of a message while away (``chat.broadcast.notifications``), and the per-room choice of
what reaches a member (``Membership.notify``) in the lobby."""

from __future__ import annotations

import re

import pytest

from chat.broadcast import events, notifications
from chat.messages import attachments
from chat.models import Membership, Mention
from chat.rooms import lobby
from chat.rooms import services as rooms
from tests.support.events import record_events
from tests.support.files import upload
from tests.support.joining import join
from tests.support.messages import in_room, say

pytestmark = pytest.mark.django_db


def choose(room, user, notify: str) -> None:
    Membership.objects.filter(room=room, user=user).update(notify=notify)


def recipients_of(message) -> list[int]:
    return notifications.recipients(message, list(Mention.objects.filter(message=message)))


# --- who hears of it ------------------------------------------------------------------------


def test_a_direct_message_reaches_the_other_person(alice, bob):
    room = rooms.open_direct_room(alice, bob)

    message = say(room, alice, "are you there?")[0]

    assert recipients_of(message) == [bob.pk]


def test_a_mention_reaches_the_person_mentioned(alice, bob, lunch):
    join(bob, "lunch")

    message = say(lunch, alice, "@bob lunch?")[0]

    assert recipients_of(message) == [bob.pk]


def test_a_plain_message_in_a_group_room_reaches_nobody(alice, bob, lunch):
    join(bob, "lunch")

    message = say(lunch, alice, "lunch?")[0]

    assert recipients_of(message) == []


def test_mentioning_yourself_notifies_nobody(alice, lunch):
    message = say(lunch, alice, "note to @alice")[0]

    assert recipients_of(message) == []


def test_a_room_turned_to_nothing_notifies_nothing(alice, bob, lunch):
    join(bob, "lunch")
    choose(lunch, bob, Membership.Notify.NOTHING)

    message = say(lunch, alice, "@bob lunch?")[0]

    assert recipients_of(message) == []


def test_mentions_only_keeps_mentions_and_drops_the_rest_of_a_conversation(alice, bob):
    room = rooms.open_direct_room(alice, bob)
    choose(room, bob, Membership.Notify.MENTIONS)

    plain, mention = say(room, alice, "are you there?", "@bob are you there?")

    assert recipients_of(plain) == []
    assert recipients_of(mention) == [bob.pk]


def test_the_frame_names_the_message_for_every_recipient_alike(alice, bob, lunch):
    join(bob, "lunch")
    message = say(lunch, alice, "@bob <b>lunch</b>?")[0]

    frame = notifications.frame(message, alice)

    assert frame == (
        '<div id="notification" hidden data-title="alice in Lunch" '
        'data-body="@bob &lt;b&gt;lunch&lt;/b&gt;?" '
        f'data-url="/r/lunch/#message-{message.id}" data-tag="message-{message.id}"></div>'
    )


def test_a_formatted_message_is_notified_by_its_words_not_its_markup(alice, bob):
    room = rooms.open_direct_room(alice, bob)
    message = say(room, alice, "**Lunch** at `noon`, ~~one~~")[0]

    frame = notifications.frame(message, alice)

    assert 'data-body="Lunch at noon, one"' in frame


def test_a_file_without_words_is_named_in_the_notification(alice, bob, media_root):
    room = rooms.open_direct_room(alice, bob)
    posted = attachments.attach(in_room(room, alice), upload("<plan>.txt", b"x"), {})

    frame = notifications.frame(posted.message, alice)

    assert 'data-body="📎 &lt;plan&gt;.txt"' in frame


def test_a_direct_messages_frame_links_the_conversation_as_its_reader_sees_it(alice, bob):
    room = rooms.open_direct_room(alice, bob)
    message = say(room, alice, "hi")[0]

    frame = notifications.frame(message, alice)

    assert f'data-url="/p/alice/#message-{message.id}"' in frame
    assert 'data-title="alice"' in frame


def test_posting_sends_the_frame_to_each_recipients_group(alice, bob, monkeypatch):
    room = rooms.open_direct_room(alice, bob)
    sent = record_events(monkeypatch)

    message = say(room, alice, "ping")[0]

    notified = [event for event in sent if event["type"] == events.NOTIFY]
    assert notified == [events.notification(bob.pk, notifications.frame(message, alice))]


# --- what the lobby counts ------------------------------------------------------------------


def entry_of(user, room):
    groups, directs = lobby.my_rooms(user)
    return next(entry for entry in groups + directs if entry.room == room)


def test_a_room_heard_in_full_counts_every_unread_message(alice, bob, lunch):
    join(bob, "lunch")
    say(lunch, alice, "one", "@bob two")

    entry = entry_of(bob, lunch)

    assert (entry.unread, entry.mentioned, entry.counted) == (2, 1, 2)


def test_a_room_heard_for_mentions_counts_only_them(alice, bob, lunch):
    join(bob, "lunch")
    choose(lunch, bob, Membership.Notify.MENTIONS)
    say(lunch, alice, "one", "@bob two")

    assert entry_of(bob, lunch).counted == 1


def test_a_muted_room_counts_nothing_and_says_so(alice, bob, lunch, login):
    join(bob, "lunch")
    choose(lunch, bob, Membership.Notify.NOTHING)
    say(lunch, alice, "one", "@bob two")

    html = login(bob).get("/").content.decode()

    assert entry_of(bob, lunch).counted == 0
    assert 'class="lobby-entry muted" data-notify="nothing"' in html
    assert '<span class="unread"' not in html
    assert '<title id="page-title">Chat</title>' in html


# --- the settings page ---------------------------------------------------------------------


def test_the_settings_page_shows_the_current_choice(alice, lunch, login):
    html = login(alice).get("/r/lunch/settings").content.decode()

    assert re.search(r'<input type="radio" name="notify" value="everything"[^>]* checked', html)
    assert "Settings of Lunch" in html


def test_saving_a_choice_stores_it_and_goes_back_to_the_room(alice, lunch, login):
    response = login(alice).post("/r/lunch/settings", {"notify": "mentions"})

    assert response.status_code == 302
    assert response["Location"] == "/r/lunch/"
    assert Membership.objects.get(room=lunch, user=alice).notify == "mentions"


def test_saving_with_htmx_answers_the_form_saved(alice, lunch, login):
    response = login(alice).post("/r/lunch/settings", {"notify": "nothing"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.startswith('<form id="notify-form"')
    assert '<p class="ok" role="status">Saved.</p>' in html


def test_an_unknown_choice_is_refused_and_nothing_changes(alice, lunch, login):
    response = login(alice).post("/r/lunch/settings", {"notify": "shouting"})

    assert response.status_code == 400
    assert "Pick one of the three." in response.content.decode()
    assert Membership.objects.get(room=lunch, user=alice).notify == "everything"


def test_someone_who_never_joined_a_public_room_has_no_settings_for_it(mallory, lunch, login):
    response = login(mallory).get("/r/lunch/settings")

    assert response.status_code == 404
    assert "You are not a member of this room: join it first." in response.content.decode()


def test_an_outsider_cannot_reach_a_private_rooms_settings(mallory, secret, login):
    assert login(mallory).get(f"/r/{secret.slug}/settings").status_code == 404


def test_a_conversation_has_settings_of_its_own(alice, bob, login):
    rooms.open_direct_room(alice, bob)

    response = login(alice).post("/p/bob/settings", {"notify": "nothing"})

    assert response["Location"] == "/p/bob/"
