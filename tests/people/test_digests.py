"""E-mail digests (``chat.people.digests``, ``chat.views.digests``): what is still unread
after the delay is mailed once, one digest per person per period, and one click turns them
off, signed out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from chat.models import Membership, Mention, Profile
from chat.people import digests, mutes
from tests.support.groups import start_group
from tests.support.joining import join
from tests.support.messages import said, write_to
from tests.support.races import at_once, meet_before_writing, raised

pytestmark = pytest.mark.django_db

LATER = timedelta(minutes=31)


@pytest.fixture(autouse=True)
def addresses(alice, bob, carol) -> None:
    for person in (alice, bob, carol):
        person.email = f"{person.username}@example.com"
        person.save()


def later(minutes: int = 31):
    return timezone.now() + timedelta(minutes=minutes)


def bodies(message) -> tuple[str, str]:
    html = message.alternatives[0][0]
    return message.body, html


def test_a_direct_message_unread_after_the_delay_is_mailed(alice, bob, settings):
    settings.CHAT_SITE_URL = "https://chat.example.com"
    _room, posted = write_to(alice, bob, "are you <coming>?")

    assert digests.send(bob.pk, now=later(29)) is False  # not yet
    assert digests.send(bob.pk, now=later()) is True

    [sent] = mail.outbox
    assert sent.to == ["bob@example.com"]
    assert sent.subject == "1 unread message on Chat"
    text, html = bodies(sent)
    url = f"https://chat.example.com/m/{posted.message.id}/"
    assert "Direct message from alice" in text and "are you <coming>?" in text and url in text
    assert "are you &lt;coming&gt;?" in html and f'href="{url}"' in html
    assert "<coming>" not in html
    token = digests.unsubscribe_token(bob)
    unsubscribe = f"https://chat.example.com/unsubscribe/{token}/"
    assert sent.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text and unsubscribe in html


def test_a_digest_not_sent_after_the_message_was_read(alice, bob):
    room, posted = write_to(alice, bob, "lunch?")
    Membership.objects.filter(room=room, user=bob).update(last_read=posted.message.id)

    assert digests.send(bob.pk, now=later()) is False
    assert mail.outbox == []
    # The period was not used up by nothing: a newer message still goes.
    said(room, alice, "still there?")
    assert digests.send(bob.pk, now=later()) is True


def test_each_message_is_mailed_once_and_one_digest_per_period(alice, bob):
    room, _ = write_to(alice, bob, "first")
    assert digests.send(bob.pk, now=later()) is True
    said(room, alice, "second")

    assert digests.send(bob.pk, now=later(40)) is False  # within the period of the first
    assert digests.send(bob.pk, now=later(65)) is True

    assert len(mail.outbox) == 2
    second, _ = bodies(mail.outbox[1])
    assert "second" in second and "first" not in second


def test_mentions_and_group_messages_are_mailed_public_chatter_is_not(alice, bob, carol, lunch):
    join(bob, "lunch")
    said(lunch, alice, "chatter nobody is named in")
    mention = said(lunch, alice, "@bob the table is booked")
    group = start_group(alice, bob, carol)
    said(group, alice, "group plans")

    digests.send(bob.pk, now=later())

    text, _ = bodies(mail.outbox[0])
    assert "the table is booked" in text and "#Lunch" in text and "group plans" in text
    assert "chatter" not in text
    assert Mention.objects.filter(message=mention, user=bob).exists()


@pytest.mark.parametrize(
    ("notify", "mailed"),
    [("everything", ["hello", "@bob hi"]), ("mentions", ["@bob hi"]), ("nothing", [])],
)
def test_the_rooms_choice_decides(alice, bob, notify, mailed):
    room, _ = write_to(alice, bob, "hello")
    said(room, alice, "@bob hi")
    Membership.objects.filter(room=room, user=bob).update(notify=notify)

    digests.send(bob.pk, now=later())

    text = bodies(mail.outbox[0])[0] if mail.outbox else ""
    assert [body for body in ("hello", "@bob hi") if body in text] == mailed


def test_nothing_of_a_muted_person_is_mailed(alice, bob, carol):
    write_to(alice, bob, "from alice")
    write_to(carol, bob, "from carol")
    mutes.mute(bob, "alice")

    digests.send(bob.pk, now=later())

    text, _ = bodies(mail.outbox[0])
    assert "from carol" in text and "from alice" not in text


def test_no_digest_without_an_address_switched_off_deactivated_or_deleted(alice, bob):
    _room, posted = write_to(alice, bob, "hello")
    for change in (
        lambda: type(bob).objects.filter(pk=bob.pk).update(email=""),
        lambda: Profile.objects.filter(user=bob).update(email_digests=False),
        lambda: type(bob).objects.filter(pk=bob.pk).update(is_active=False),
    ):
        change()
        assert digests.send(bob.pk, now=later()) is False
        type(bob).objects.filter(pk=bob.pk).update(email="bob@example.com", is_active=True)
        Profile.objects.filter(user=bob).update(email_digests=True)
    type(posted.message).objects.filter(pk=posted.message.pk).update(deleted=True, body="")
    assert digests.send(bob.pk, now=later()) is False
    assert mail.outbox == []


def test_no_digest_from_a_room_left(alice, bob, lunch):
    join(bob, "lunch")
    said(lunch, alice, "@bob see you")
    Membership.objects.filter(room=lunch, user=bob).delete()

    assert digests.send(bob.pk, now=later()) is False


def test_the_periodic_task_mails_whoever_is_due(alice, bob, carol, settings):
    settings.CHAT_DIGEST_AFTER_MINUTES = 0
    write_to(alice, bob, "hello bob")
    write_to(bob, carol, "hello carol")

    digests.send_due_digests()

    assert sorted(sent.to[0] for sent in mail.outbox) == ["bob@example.com", "carol@example.com"]
    assert digests.due_people(timezone.now()) == []


def test_the_periodic_task_leaves_out_who_has_nothing_for_them(alice, bob, lunch, settings):
    settings.CHAT_DIGEST_AFTER_MINUTES = 0
    join(bob, "lunch")
    said(lunch, alice, "nobody named")

    assert digests.due_people(timezone.now()) == []


def test_a_failed_mail_gives_the_period_back(alice, bob, settings):
    write_to(alice, bob, "hello")
    settings.EMAIL_BACKEND = "tests.people.test_digests.FailingBackend"

    with pytest.raises(OSError):
        digests.send(bob.pk, now=later())

    assert Profile.objects.get(user=bob).last_digest_at is None
    assert Membership.objects.filter(user=bob, mailed_upto=0).exists()


class FailingBackend:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise OSError("the mail server is away")


@pytest.mark.django_db(transaction=True)
def test_two_consumers_at_once_send_one_digest(make_user, monkeypatch):
    sender, reader = make_user("sender"), make_user("reader")
    type(reader).objects.filter(pk=reader.pk).update(email="reader@example.com")
    write_to(sender, reader, "hello")
    meet_before_writing(monkeypatch, digests)
    now = later()

    outcomes = at_once(
        lambda: digests.send(reader.pk, now=now), lambda: digests.send(reader.pk, now=now)
    )

    assert raised(outcomes) == []
    assert sorted(outcomes) == [False, True]
    assert len(mail.outbox) == 1


# --- unsubscribing ------------------------------------------------------------------------


def test_unsubscribe_get_shows_a_button_and_changes_nothing(bob):
    page = Client().get(f"/unsubscribe/{digests.unsubscribe_token(bob)}/")

    assert page.status_code == 200
    assert "Unsubscribe</button>" in page.text and "bob" in page.text
    assert Profile.objects.get(user=bob).email_digests is True


def test_unsubscribe_post_signed_out_without_csrf_turns_digests_off(bob):
    client = Client(enforce_csrf_checks=True)

    page = client.post(
        f"/unsubscribe/{digests.unsubscribe_token(bob)}/", {"List-Unsubscribe": "One-Click"}
    )

    assert page.status_code == 200 and "You are unsubscribed" in page.text
    assert Profile.objects.get(user=bob).email_digests is False


#: Bad tokens, made when the test runs: signed at collection, their timestamps (and so the
#: tests' names) could differ between two test processes, which then refuse to run.
BAD_TOKENS = {
    "nonsense": lambda: "nonsense",
    "another salt": lambda: signing.dumps(1, salt="another.salt"),
    "not a user id": lambda: signing.dumps("bob", salt=digests.SALT),
}


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_bad_unsubscribe_token_is_404(bob, bad):
    token = BAD_TOKENS[bad]()
    for response in (
        Client().get(f"/unsubscribe/{token}/"),
        Client().post(f"/unsubscribe/{token}/"),
    ):
        assert response.status_code == 404
    assert Profile.objects.get(user=bob).email_digests is True


def test_the_profile_switch_turns_digests_off_and_on(bob, login):
    client = login(bob)

    page = client.get("/accounts/profile/").text
    assert 'data-digests="on"' in page and "Turn e-mail digests off" in page
    client.post("/accounts/profile/digests", {"email_digests": "off"})
    assert Profile.objects.get(user=bob).email_digests is False
    assert "Turn e-mail digests on" in client.get("/accounts/profile/").text
    response = client.post("/accounts/profile/digests", {"email_digests": "on"})
    assert response.status_code == 302
    assert Profile.objects.get(user=bob).email_digests is True


def test_the_profile_switch_needs_csrf_and_a_post(bob, login):
    client = login(bob)
    client.handler.enforce_csrf_checks = True

    assert client.post("/accounts/profile/digests", {"email_digests": "off"}).status_code == 403
    assert client.get("/accounts/profile/digests").status_code == 405
    assert Profile.objects.get(user=bob).email_digests is True


def test_the_mail_links_only_what_is_unread(alice, bob):
    room, _ = write_to(alice, bob, "one")
    said(room, alice, "two")

    digests.send(bob.pk, now=later())

    text, _ = bodies(mail.outbox[0])
    assert len(re.findall(r"/m/\d+/", text)) == 2
    assert mail.outbox[0].subject.startswith("2 unread messages")


def test_a_message_is_mailed_once_even_with_no_period(alice, bob, settings):
    settings.CHAT_DIGEST_AFTER_MINUTES = 0
    write_to(alice, bob, "hello")

    assert digests.send(bob.pk) is True
    assert digests.send(bob.pk) is False

    assert len(mail.outbox) == 1


def test_the_periodic_task_finds_a_mention_in_a_public_room(alice, bob, lunch, settings):
    settings.CHAT_DIGEST_AFTER_MINUTES = 0
    join(bob, "lunch")
    said(lunch, alice, "@bob the table is booked")
    mutes.mute(bob, "carol")  # someone else muted changes nothing

    assert digests.due_people(timezone.now()) == [bob.pk]
    digests.send_due_digests()

    assert [sent.to for sent in mail.outbox] == [["bob@example.com"]]
