"""Several files in one send (``attachments.attach_many``): each its own message, in order,
the words with the first; all or nothing; each file counted against the limits; videos and
sounds recognised from their bytes and their claim."""

from __future__ import annotations

import pytest

from chat.errors import Invalid, TooFast
from chat.limits import FILES_PER_SEND
from chat.messages import attachments
from chat.models import Attachment, Message
from tests.support.attachments import assert_nothing_stored
from tests.support.files import HTML, M4A, MP3, MP4, OGG, WEBM, png, truncated_png, upload, wav
from tests.support.messages import HTMX, in_room

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def files(count: int) -> list:
    return [upload(f"note-{n}.txt", f"note {n}".encode(), "text/plain") for n in range(count)]


def test_each_file_is_its_own_message_in_order_with_the_words_on_the_first(alice, lunch):
    sent = attachments.attach_many(in_room(lunch, alice), files(3), {"body": "the notes"})

    stored = list(Message.objects.order_by("id"))
    assert [p.message for p in sent] == stored
    assert [m.attachment.name for m in stored] == ["note-0.txt", "note-1.txt", "note-2.txt"]
    assert [m.body for m in stored] == ["the notes", "", ""]
    assert [m.follows_on for m in stored] == [False, True, True]
    assert all(p.frame and p.broadcast for p in sent)


def test_more_than_the_most_at_once_stores_none(alice, lunch, media_root):
    with pytest.raises(Invalid) as refused:
        attachments.attach_many(in_room(lunch, alice), files(FILES_PER_SEND + 1), {})

    assert refused.value.message == (
        f"Send at most {FILES_PER_SEND} files at once (this send has {FILES_PER_SEND + 1}); "
        "none was sent."
    )
    assert_nothing_stored(lunch, media_root)


def test_one_bad_file_stores_none_of_them(alice, lunch, media_root):
    bad = [*files(2), upload("half.png", truncated_png(), "image/png")]

    with pytest.raises(Invalid):
        attachments.attach_many(in_room(lunch, alice), bad, {})

    assert_nothing_stored(lunch, media_root)


def test_each_file_counts_against_the_files_an_hour(alice, lunch, settings, media_root):
    settings.CHAT_UPLOADS_PER_HOUR = 3
    with pytest.raises(TooFast):
        attachments.attach_many(in_room(lunch, alice), files(4), {})
    assert_nothing_stored(lunch, media_root)

    assert len(attachments.attach_many(in_room(lunch, alice), files(3), {})) == 3
    with pytest.raises(TooFast):
        attachments.attach_many(in_room(lunch, alice), files(1), {})


def test_refused_files_give_their_count_back(alice, lunch, settings):
    settings.CHAT_UPLOADS_PER_HOUR = 3
    with pytest.raises(Invalid):
        attachments.attach_many(in_room(lunch, alice), [*files(2), upload("empty.txt", b"")], {})

    assert len(attachments.attach_many(in_room(lunch, alice), files(3), {})) == 3


@pytest.mark.parametrize(
    ("name", "data", "claim", "kind", "content_type"),
    [
        ("clip.mp4", MP4, "video/mp4", "video", "video/mp4"),
        ("clip.webm", WEBM, "video/webm", "video", "video/webm"),
        ("song.mp3", MP3, "audio/mpeg", "audio", "audio/mpeg"),
        ("song.ogg", OGG, "audio/ogg", "audio", "audio/ogg"),
        ("voice.m4a", M4A, "audio/x-m4a", "audio", "audio/mp4"),
        ("beep.wav", wav(), "audio/wav", "audio", "audio/wav"),
        ("clip.mp4", MP4, "application/octet-stream", "video", "video/mp4"),  # the name says so
        ("clip.bin", MP4, "application/octet-stream", "file", "application/octet-stream"),
        ("page.mp4", HTML, "video/mp4", "file", "application/octet-stream"),
        ("song.mp3", MP4, "audio/mpeg", "file", "application/octet-stream"),
    ],
    ids=[
        "mp4",
        "webm",
        "mp3",
        "ogg",
        "m4a",
        "wav",
        "mp4-by-name",
        "unclaimed",
        "html-claiming-video",
        "video-claiming-sound",
    ],
)
def test_videos_and_sounds_are_known_by_their_bytes_and_their_claim(
    alice, lunch, name, data, claim, kind, content_type
):
    posted = attachments.attach(in_room(lunch, alice), upload(name, data, claim), {})

    stored = posted.message.attachment
    assert (stored.kind, stored.content_type, stored.name) == (kind, content_type, name)
    if kind == "video":
        assert f'<video controls preload="metadata" src="{stored.url}"' in posted.frame
    if kind == "audio":
        assert f'<audio controls preload="metadata" src="{stored.url}"' in posted.frame


def test_a_form_without_javascript_sends_several_files(login, alice, lunch):
    client = login(alice)

    response = client.post(
        "/r/lunch/attachments",
        {"file": [upload("a.png", png(20, 10), "image/png"), *files(2)], "body": "look"},
    )

    assert response.status_code == 302
    last = Message.objects.order_by("id").last()
    assert response["Location"] == f"/r/lunch/#message-{last.id}"
    assert list(Attachment.objects.order_by("id").values_list("kind", "name")) == [
        ("image", "a.png"),
        ("file", "note-0.txt"),
        ("file", "note-1.txt"),
    ]


def test_a_form_with_too_many_files_shows_the_error_and_stores_none(login, alice, lunch):
    response = login(alice).post(
        "/r/lunch/attachments", {"file": files(FILES_PER_SEND + 2)}, **HTMX
    )

    assert response.status_code == 400
    assert "none was sent." in response.content.decode()
    assert not Message.objects.exists()
