"""Files said in a room (``chat.messages.attachments``): what is not an image stored as a
download, posted like a message, gone with their message, and their names cleaned."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from PIL import Image

from chat.broadcast import events, fanout
from chat.errors import Invalid, Unavailable
from chat.messages import attachments
from chat.messages import edits as changes
from chat.models import Attachment, Message, Room
from chat.rooms import services as rooms
from tests.support.attachments import assert_nothing_stored, attach
from tests.support.events import record_events
from tests.support.files import (
    HTML,
    PDF,
    SVG,
    encoded,
    png,
    read,
    stored_files,
    truncated_png,
    upload,
)
from tests.support.messages import in_room, revision_of, say, with_person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# --- what is not an image is a download ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("page.html", HTML, "text/html"),
        ("logo.svg", SVG, "image/svg+xml"),
        ("report.pdf", PDF, "application/pdf"),
        ("notes.txt", b"lunch at noon\n", "text/plain"),
        ("picture.png", HTML, "image/png"),
        ("icon.bmp", encoded(Image.new("RGB", (4, 4)), "BMP"), "image/bmp"),
    ],
    ids=["html", "svg-with-script", "pdf", "text", "html-claiming-png", "bmp"],
)
def test_what_is_not_a_verified_image_is_stored_as_it_came_as_a_download(
    alice, lunch, name, data, content_type
):
    posted = attachments.attach(in_room(lunch, alice), upload(name, data, content_type), {})

    stored = posted.message.attachment
    assert (stored.kind, stored.name, stored.content_type) == (
        "file",
        name,
        "application/octet-stream",
    )
    assert read(stored.file) == data
    assert stored.size == len(data)
    assert (stored.width, stored.height, stored.thumbnail.name) == (None, None, "")
    assert stored.file.name.endswith(".bin")


# --- a message like any other ----------------------------------------------------------------


def test_the_words_are_optional(alice, lunch):
    quiet = attach(lunch, alice, "chart.png", png(20, 10)).message
    blank = attach(lunch, alice, "chart.png", png(20, 10), body="  \u200b ").message
    said = attach(lunch, alice, "chart.png", png(20, 10), body="  the sales  ").message

    assert [quiet.body, blank.body, said.body] == ["", "", "the sales"]
    assert quiet.has_attachment and said.has_attachment


def test_the_words_follow_a_messages_rules(alice, lunch, media_root):
    with pytest.raises(Invalid) as refused:
        attach(lunch, alice, "chart.png", png(20, 10), body="x" * 4001)

    assert refused.value.message == "Messages are at most 4,000 characters (this one has 4,001)."
    assert_nothing_stored(lunch, media_root)


def test_a_file_takes_the_rooms_next_revision_and_marks_the_sender_read(alice, lunch):
    [said] = say(lunch, alice, "first")

    posted = attach(lunch, alice, "chart.png", png(20, 10))

    assert posted.message.revision == said.revision + 1 == revision_of(lunch)
    assert lunch.memberships.get(user=alice).last_read == posted.message.id


def test_an_image_is_rendered_once_as_a_thumbnail_linking_to_the_image(alice, lunch):
    posted = attach(lunch, alice, "chart.png", png(800, 600), body="sales")

    file_id = posted.message.attachment.id
    assert (
        '<div class="body" dir="auto"><p>sales</p></div>\n'
        f'  <figure class="attachment image"><a class="lightbox-link" '
        f'href="/files/{file_id}/chart.png" data-width="800" data-height="600">'
        f'<img src="/files/{file_id}/thumbnail" width="480" height="360" '
        'alt="chart.png" loading="lazy"></a></figure>'
    ) in posted.frame


def test_a_file_is_rendered_once_as_a_download_link_with_its_size(alice, lunch):
    posted = attach(lunch, alice, "report.pdf", PDF)

    file_id = posted.message.attachment.id
    assert (
        f'<a class="attachment file" href="/files/{file_id}/report.pdf" download>report.pdf</a> '
        f'<span class="size">{len(PDF)} bytes</span>'
    ) in posted.frame


def test_the_file_goes_to_the_room_as_a_new_message(alice, lunch, monkeypatch):
    sent = record_events(monkeypatch)

    posted = attach(lunch, alice, "chart.png", png(20, 10))

    [event] = sent
    assert event == {
        "type": events.MESSAGE,
        "group": fanout.room_group(lunch.id),
        "id": posted.message.id,
        "revision": posted.message.revision,
        "author": alice.pk,
        "html": posted.frame,
    }
    assert posted.broadcast is True


def test_the_same_send_twice_is_stored_once(alice, lunch, media_root):
    send = "4f5c2a0e-1d0b-4c1e-9c54-2b8d1f0e7a11"

    first = attach(lunch, alice, "chart.png", png(20, 10), client_id=send)
    again = attach(lunch, alice, "chart.png", png(20, 10), client_id=send)

    assert again.message == first.message
    assert again.frame is None
    assert Attachment.objects.count() == 1
    assert len(stored_files(media_root)) == 2  # the image and its thumbnail, once


def test_a_first_file_opens_a_direct_conversation(alice, bob):
    posted = attachments.attach(with_person(alice, bob), upload("hi.txt", b"hi"), {})

    assert posted.message.room.kind == Room.Kind.DIRECT
    assert posted.message.room == rooms.find_direct_room(bob, alice)


def test_a_refused_first_file_opens_no_conversation(alice, bob):
    with pytest.raises(Invalid):
        attachments.attach(with_person(alice, bob), upload("half.png", truncated_png()), {})

    assert not Room.objects.exists()


def test_messages_of_a_room_come_with_their_files(alice, lunch, django_assert_num_queries):
    attach(lunch, alice, "chart.png", png(20, 10))
    say(lunch, alice, "no file")

    with django_assert_num_queries(3):  # messages with authors and files; mentions; reactions
        page = list(Message.objects.for_room(lunch))
        names = [m.attachment.name for m in page if m.has_attachment]

    assert names == ["chart.png"]


# --- deleting --------------------------------------------------------------------------------


def test_deleting_the_message_deletes_its_files(
    alice, lunch, media_root, django_capture_on_commit_callbacks
):
    posted = attach(lunch, alice, "chart.png", png(20, 10))
    assert len(stored_files(media_root)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        changed = changes.delete_message(alice, posted.message.id)

    assert stored_files(media_root) == []
    assert not Attachment.objects.exists()
    assert changed.message.has_attachment is False
    assert "attachment" not in changed.article


def test_files_go_with_a_room_or_author_deleted_by_an_administrator(
    alice, bob, lunch, media_root, django_capture_on_commit_callbacks
):
    attach(lunch, alice, "chart.png", png(20, 10))
    attach(lunch, bob, "notes.txt", b"plain words")
    assert len(stored_files(media_root)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        alice.delete()  # her messages go with her, and their files with them
    assert len(stored_files(media_root)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        lunch.delete()
    assert stored_files(media_root) == []


def test_a_deletion_that_fails_keeps_the_files(alice, lunch, media_root, monkeypatch):
    posted = attach(lunch, alice, "chart.png", png(20, 10))

    def database_fails(*args, **kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr("chat.messages.edits.next_revision", database_fails)

    with pytest.raises(Unavailable):
        changes.delete_message(alice, posted.message.id)

    assert len(stored_files(media_root)) == 2
    assert Attachment.objects.count() == 1


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("line\nbreak\tand\x00null.txt", "line break andnull.txt"),
        ("invoice\u202eexe.txt", "invoiceexe.txt"),  # a right-to-left override
        ("  lots   of   space  .txt ", "lots of space .txt"),
        ("", "file"),
        ("..", "file"),
        ("Cafe\u0301.txt", "Café.txt"),
    ],
    ids=["path", "windows-path", "controls", "bidi-override", "spaces", "empty", "dots", "nfc"],
)
def test_a_name_is_cleaned_for_showing(given, shown):
    assert attachments.clean_name(given) == shown


def test_a_long_name_is_cut_before_its_extension():
    name = attachments.clean_name("a" * 300 + ".tar.gz")

    assert len(name) == 200
    assert name == "a" * 197 + ".gz"
