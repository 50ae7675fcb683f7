"""Files refused (``chat.messages.attachments``) with nothing left behind: over the size limit,
missing or empty, past the files an hour or the posting limit, or failing while being saved."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from chat import ratelimit
from chat.errors import Invalid, TooFast, Unavailable
from chat.fields import readable_size
from chat.messages import attachments
from chat.models import Attachment
from tests.support.attachments import assert_nothing_stored, attach
from tests.support.files import png, stored_files, truncated_png, upload
from tests.support.messages import in_room, say

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def test_a_file_over_the_size_limit_is_refused_with_both_sizes(alice, lunch, media_root, settings):
    settings.CHAT_UPLOAD_MAX_BYTES = 1000

    with pytest.raises(Invalid) as refused:
        attach(lunch, alice, "big.txt", b"x" * 1500)

    assert refused.value.message == "Files are at most 1.0 kB; this one is 1.5 kB."
    assert_nothing_stored(lunch, media_root)


def test_sizes_that_read_alike_are_told_in_bytes(alice, lunch, settings):
    settings.CHAT_UPLOAD_MAX_BYTES = 1000

    with pytest.raises(Invalid) as refused:
        attach(lunch, alice, "big.txt", b"x" * 1001)

    assert refused.value.message == "Files are at most 1,000 bytes; this one is 1,001 bytes."


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (1, "1 byte"),
        (532, "532 bytes"),
        (8_400, "8.4 kB"),
        (12_000, "12 kB"),
        (999_999, "1.0 MB"),
        (10 * 1024 * 1024, "10 MB"),
    ],
)
def test_sizes_read_as_people_read_them(size, shown):
    assert readable_size(size) == shown


def test_the_default_limit_is_ten_megabytes(settings):
    assert settings.CHAT_UPLOAD_MAX_BYTES == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("file", "error"),
    [(None, "Choose a file to send."), (upload("empty.txt", b""), "This file is empty.")],
    ids=["none", "empty"],
)
def test_a_missing_or_empty_file_is_refused(alice, lunch, media_root, file, error):
    with pytest.raises(Invalid) as refused:
        attachments.attach(in_room(lunch, alice), file, {"body": "see attached"})

    assert refused.value.message == error
    assert_nothing_stored(lunch, media_root)


def test_files_an_hour_are_30_unless_set():
    assert ratelimit.UPLOADS.limit == 30
    assert ratelimit.UPLOADS.window == 3600


def test_a_file_over_the_files_an_hour_is_refused(alice, lunch, media_root, settings):
    # Fewer than the posting limit (20), so that the files' own limit is the one met.
    settings.CHAT_UPLOADS_PER_HOUR = 3
    for n in range(3):
        attach(lunch, alice, f"note {n}.txt", b"note")

    with pytest.raises(TooFast) as refused:
        attach(lunch, alice, "one too many.txt", b"note")

    assert refused.value.message.startswith("You can share 3 files an hour. Try again in ")
    assert refused.value.message.endswith(" minutes.")
    assert Attachment.objects.count() == 3
    assert len(stored_files(media_root)) == 3


def test_a_file_counts_against_the_posting_limit(alice, lunch):
    for n in range(20):
        attach(lunch, alice, f"note {n}.txt", b"note")

    with pytest.raises(TooFast) as refused:
        attach(lunch, alice, "one too many.txt", b"note")

    assert refused.value.message.startswith("You are sending messages too fast. Wait ")


def use_all_posts_but_one(user) -> None:
    for _ in range(ratelimit.POSTING.limit - 1):
        ratelimit.take(ratelimit.POSTING, user.pk)


def test_a_refused_file_does_not_count_against_the_limits(alice, lunch, settings):
    settings.CHAT_UPLOADS_PER_HOUR = 1
    use_all_posts_but_one(alice)
    with pytest.raises(Invalid):
        attach(lunch, alice, "empty.txt", b"")

    attach(lunch, alice, "whole.png", png(20, 10))

    assert Attachment.objects.count() == 1


def test_a_refused_image_counts_among_the_files_an_hour_only(alice, lunch, settings):
    # Decoding it cost a core: damaged images or bombs sent in a loop must meet a limit.
    settings.CHAT_UPLOADS_PER_HOUR = 1
    use_all_posts_but_one(alice)
    with pytest.raises(Invalid):
        attach(lunch, alice, "half.png", truncated_png())

    with pytest.raises(TooFast):
        attach(lunch, alice, "whole.png", png(20, 10))
    say(lunch, alice, "words still go")  # not among the messages

    assert Attachment.objects.count() == 0


def test_a_failure_after_the_file_was_saved_leaves_no_file(alice, lunch, media_root, monkeypatch):
    def database_fails(*args, **kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr("chat.messages.mentions.record", database_fails)

    with pytest.raises(Unavailable) as refused:
        attach(lunch, alice, "chart.png", png(20, 10))

    assert refused.value.message == "Your file could not be saved just now; try again."
    assert_nothing_stored(lunch, media_root)


def test_a_storage_that_fails_halfway_keeps_nothing(alice, lunch, media_root, monkeypatch):
    saves = []
    real_save = Attachment._meta.get_field("thumbnail").storage.save

    def thumbnail_fails(name, content, max_length=None):
        saves.append(name)
        if name.startswith("thumbnails/"):
            raise OSError("no space left on device")
        return real_save(name, content, max_length=max_length)

    monkeypatch.setattr(Attachment._meta.get_field("file").storage, "save", thumbnail_fails)

    with pytest.raises(Unavailable):
        attach(lunch, alice, "chart.png", png(20, 10))

    assert len(saves) == 2  # the image was saved, then taken back
    assert_nothing_stored(lunch, media_root)
