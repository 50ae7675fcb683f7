"""Files said in a room (``chat.attachments``): checked, cleaned, stored, posted like a
message, refused with nothing left behind, and gone with their message."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from django.db import OperationalError
from PIL import Image, ImageFile

from chat import attachments, changes, forms, images, profiles, ratelimit
from chat.errors import Invalid, TooFast, Unavailable
from chat.models import Attachment, Message, Room
from tests.conftest import say
from tests.files import (
    CAMERA,
    GPS_IFD,
    HTML,
    PDF,
    SVG,
    animated_gif,
    bomb_png,
    encoded,
    huge_png,
    opened,
    photo_with_gps,
    png,
    stored_files,
    truncated_png,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def attach(room: Room, user, name: str, data: bytes, body: str | None = None, **fields):
    form = {"body": body} if body is not None else {}
    return attachments.attach(room, user, upload(name, data), form | fields)


def read(field) -> bytes:
    with field.storage.open(field.name, "rb") as stored:
        return stored.read()


def revision_of(room: Room) -> int:
    return Room.objects.values_list("revision", flat=True).get(pk=room.pk)


def assert_nothing_stored(room: Room, media_root) -> None:
    """No file in storage, no row, no message, and the room's revision untouched."""
    assert stored_files(media_root) == []
    assert not Attachment.objects.exists()
    assert not Message.objects.exists()
    assert revision_of(room) == 0


# --- images -------------------------------------------------------------------------------


def test_a_png_is_stored_re_encoded_with_its_size_and_a_thumbnail(alice, lunch):
    posted = attach(lunch, alice, "chart.png", png(800, 600))

    stored = posted.message.attachment
    assert (stored.kind, stored.name, stored.content_type) == ("image", "chart.png", "image/png")
    assert (stored.width, stored.height, stored.thumb_width, stored.thumb_height) == (
        800,
        600,
        480,
        360,
    )
    assert opened(read(stored.file)).format == "PNG"
    assert opened(read(stored.file)).size == (800, 600)
    assert opened(read(stored.thumbnail)).size == (480, 360)
    assert stored.size == len(read(stored.file))


def test_a_jpeg_is_stored_upright_as_its_exif_orientation_says(alice, lunch):
    posted = attach(lunch, alice, "holiday.jpg", photo_with_gps(600, 300, orientation=6))

    stored = posted.message.attachment
    assert (stored.content_type, stored.width, stored.height) == ("image/jpeg", 300, 600)
    assert (stored.thumb_width, stored.thumb_height) == (240, 480)
    assert opened(read(stored.file)).size == (300, 600)
    assert opened(read(stored.thumbnail)).format == "JPEG"


def test_exif_with_gps_is_gone_from_the_stored_jpeg_and_its_thumbnail(alice, lunch):
    original = photo_with_gps()
    assert opened(original).getexif().get_ifd(GPS_IFD)  # what a phone would have written

    stored = attach(lunch, alice, "holiday.jpg", original).message.attachment

    for field in (stored.file, stored.thumbnail):
        data = read(field)
        image = opened(data)
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(GPS_IFD) == {}
        assert b"Exif" not in data
        assert CAMERA.encode() not in data
        assert b"taken at home" not in data  # the JPEG comment


def test_an_animated_gif_keeps_its_frames(alice, lunch):
    stored = attach(lunch, alice, "dance.gif", animated_gif(frames=3)).message.attachment

    assert stored.content_type == "image/gif"
    assert opened(read(stored.file)).n_frames == 3


def test_a_phones_multi_picture_jpeg_is_stored_as_its_first_picture(alice, lunch):
    first, second = Image.new("RGB", (60, 40), "red"), Image.new("RGB", (60, 40), "blue")
    data = encoded(first, "MPO", save_all=True, append_images=[second])

    stored = attach(lunch, alice, "pair.jpg", data).message.attachment

    image = opened(read(stored.file))
    assert (stored.content_type, image.format) == ("image/jpeg", "JPEG")  # not MPO: one picture
    assert image.getpixel((30, 20))[0] > 200  # red: the first picture


def test_a_transparent_palette_image_stays_transparent(alice, lunch):
    image = Image.new("P", (20, 20), 0)
    image.putpalette([0, 0, 0, 255, 0, 0])
    image.paste(1, (5, 5, 15, 15))

    stored = attach(lunch, alice, "dot.gif", encoded(image, "GIF", transparency=0)).message

    pixels = opened(read(stored.attachment.file)).convert("RGBA")
    assert pixels.getpixel((0, 0))[3] == 0
    assert pixels.getpixel((10, 10)) == (255, 0, 0, 255)


def test_a_webp_is_stored_as_a_webp(alice, lunch):
    data = encoded(Image.new("RGBA", (1000, 500), (0, 128, 0, 128)), "WEBP")

    stored = attach(lunch, alice, "leaf.webp", data).message.attachment

    assert (stored.content_type, stored.thumb_width, stored.thumb_height) == (
        "image/webp",
        480,
        240,
    )


def test_an_image_is_told_by_its_bytes_not_by_its_name_or_claimed_type(alice, lunch):
    stored = attachments.attach(
        lunch, alice, upload("notes.txt", png(20, 10), content_type="text/plain"), {}
    ).message.attachment

    assert (stored.kind, stored.content_type, stored.name) == (
        "image",
        "image/png",
        "notes.txt.png",
    )


def test_an_image_named_without_its_extension_gets_one(alice, lunch):
    stored = attach(lunch, alice, "IMG_0042", photo_with_gps()).message.attachment

    assert stored.name == "IMG_0042.jpg"


def test_stored_names_are_random_not_the_senders(alice, lunch):
    stored = attach(lunch, alice, "chart.png", png(20, 10)).message.attachment

    assert "chart" not in stored.file.name
    assert "chart" not in stored.thumbnail.name
    assert stored.file.name.startswith("attachments/")
    again = attach(lunch, alice, "chart.png", png(20, 10)).message.attachment
    assert again.file.name != stored.file.name


# --- everything else is a download ---------------------------------------------------------


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
    posted = attachments.attach(lunch, alice, upload(name, data, content_type), {})

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


# --- refused, and nothing left behind ------------------------------------------------------


def test_a_truncated_image_is_refused_and_nothing_is_stored(alice, lunch, media_root):
    with pytest.raises(Invalid) as refused:
        attach(lunch, alice, "half.png", truncated_png())

    assert refused.value.message == "This image is damaged or incomplete, so it was not sent."
    assert_nothing_stored(lunch, media_root)


@pytest.mark.parametrize(
    "size",
    [(20_000, 20_000), (8_000, 4_000), (5_001, 5_000)],
    # Pillow's own check (the same limit) raises past twice it and only warns up to there.
    ids=["over-twice-pillows-limit", "over-pillows-limit", "just-over"],
)
def test_a_decompression_bomb_is_refused_and_nothing_is_stored(alice, lunch, media_root, size):
    with pytest.raises(Invalid) as refused:
        attach(lunch, alice, "bomb.png", bomb_png(*size))

    assert refused.value.message == "This image is too large to open (over 25,000,000 pixels)."
    assert_nothing_stored(lunch, media_root)


def test_the_pixel_limit_is_25_megapixels_and_pillows_is_the_same(settings):
    assert settings.CHAT_IMAGE_MAX_PIXELS == 25_000_000
    assert Image.MAX_IMAGE_PIXELS == 25_000_000


def test_a_small_file_of_a_huge_image_is_refused_from_its_header(
    alice, lunch, media_root, monkeypatch
):
    # 9,400 by 9,400 pixels in a few kilobytes: under Pillow's default limit (89 MP), and
    # decoding it took 1.16 GiB. Nothing of it may be decoded: the header says enough.
    data = huge_png(9_400, 9_400)
    assert len(data) < 50_000
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))

    with pytest.raises(Invalid) as refused:
        attach(lunch, alice, "huge.png", data)

    assert refused.value.message == "This image is too large to open (over 25,000,000 pixels)."
    assert decoded == []
    assert_nothing_stored(lunch, media_root)


def test_an_image_at_the_limit_is_taken(alice, lunch, settings):
    settings.CHAT_IMAGE_MAX_PIXELS = 200 * 100

    posted = attach(lunch, alice, "wide.png", huge_png(200, 100))

    assert (posted.message.attachment.width, posted.message.attachment.height) == (200, 100)


def test_only_so_many_images_are_decoded_at_once(monkeypatch):
    monkeypatch.setattr(images, "_turns", threading.BoundedSemaphore(2), raising=False)
    busy, most, changed = [0], [0], threading.Condition()
    release = threading.Event()
    real_decode = images.decode

    def slow_decode(upload):
        with changed:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
            changed.notify_all()
        release.wait(5)
        with changed:
            busy[0] -= 1
        return real_decode(upload)

    monkeypatch.setattr(images, "decode", slow_decode)
    with ThreadPoolExecutor(4) as pool:
        work = [pool.submit(attachments._examined_image, upload("a.png", png(40, 30)))]
        work += [pool.submit(profiles._squares, upload("b.png", png(40, 30))) for _ in range(3)]
        with changed:
            assert changed.wait_for(lambda: busy[0] == 2, timeout=5)
        assert not any(done.done() for done in work)
        release.set()
        results = [done.result(5) for done in work]

    assert most[0] == 2
    assert all(result is not None for result in results)


def test_an_image_waiting_too_long_for_its_turn_is_refused(monkeypatch):
    monkeypatch.setattr(images, "_turns", threading.BoundedSemaphore(1))
    monkeypatch.setattr(images, "WAIT_SECONDS", 0.01)
    images._turns.acquire()  # another image holds the one turn

    with pytest.raises(images.ImageRefused) as refused:
        attachments._examined_image(upload("a.png", png(40, 30)))

    assert refused.value.message == (
        "The server is busy with other images just now, so this one was not sent. Try again."
    )


def test_an_animation_counts_the_pixels_of_every_frame(alice, lunch, settings):
    settings.CHAT_IMAGE_MAX_PIXELS = 60 * 40 * 2

    with pytest.raises(Invalid) as refused:
        attach(lunch, alice, "dance.gif", animated_gif(frames=3))

    assert refused.value.message == "This image is too large to open (over 4,800 pixels)."


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
    assert forms.readable_size(size) == shown


def test_the_default_limit_is_ten_megabytes(settings):
    assert settings.CHAT_UPLOAD_MAX_BYTES == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("file", "error"),
    [(None, "Choose a file to send."), (upload("empty.txt", b""), "This file is empty.")],
    ids=["none", "empty"],
)
def test_a_missing_or_empty_file_is_refused(alice, lunch, media_root, file, error):
    with pytest.raises(Invalid) as refused:
        attachments.attach(lunch, alice, file, {"body": "see attached"})

    assert refused.value.message == error
    assert_nothing_stored(lunch, media_root)


def test_the_31st_file_in_an_hour_is_refused(alice, lunch, media_root, monkeypatch):
    assert ratelimit.UPLOADS.limit == 30
    # Only the files' own limit here: the posting limit would stop the 21st first.
    monkeypatch.setattr(ratelimit, "POSTING", replace(ratelimit.POSTING, limit=1000))
    for n in range(30):
        attach(lunch, alice, f"note {n}.txt", b"note")

    with pytest.raises(TooFast) as refused:
        attach(lunch, alice, "one too many.txt", b"note")

    assert refused.value.message.startswith("You can share 30 files an hour. Try again in ")
    assert refused.value.message.endswith(" minutes.")
    assert Attachment.objects.count() == 30
    assert len(stored_files(media_root)) == 30


def test_a_file_counts_against_the_posting_limit(alice, lunch):
    for n in range(20):
        attach(lunch, alice, f"note {n}.txt", b"note")

    with pytest.raises(TooFast) as refused:
        attach(lunch, alice, "one too many.txt", b"note")

    assert refused.value.message.startswith("You are sending messages too fast. Wait ")


def test_a_refused_file_does_not_count_against_the_limits(alice, lunch, monkeypatch):
    monkeypatch.setattr(ratelimit, "UPLOADS", replace(ratelimit.UPLOADS, limit=1))
    monkeypatch.setattr(ratelimit, "POSTING", replace(ratelimit.POSTING, limit=1))
    with pytest.raises(Invalid):
        attach(lunch, alice, "empty.txt", b"")

    attach(lunch, alice, "whole.png", png(20, 10))

    assert Attachment.objects.count() == 1


def test_a_refused_image_counts_among_the_files_an_hour_only(alice, lunch, monkeypatch):
    # Decoding it cost a core: damaged images or bombs sent in a loop must meet a limit.
    monkeypatch.setattr(ratelimit, "UPLOADS", replace(ratelimit.UPLOADS, limit=1))
    monkeypatch.setattr(ratelimit, "POSTING", replace(ratelimit.POSTING, limit=1))
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
        f'<p class="body">sales</p>\n  <figure class="attachment image"><a href="/files/{file_id}/'
        f'chart.png"><img src="/files/{file_id}/thumbnail" width="480" height="360" '
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
    sent = []

    def record(group, kind, **fields):
        sent.append((group, kind, fields))
        return True

    monkeypatch.setattr("chat.messages.fanout.send", record)

    posted = attach(lunch, alice, "chart.png", png(20, 10))

    [(group, kind, fields)] = sent
    assert (group, kind) == (f"room.{lunch.id}", "chat.message")
    assert fields == {
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
    room, posted = attachments.attach_direct(alice, bob, upload("hi.txt", b"hi"), {})

    assert room.kind == Room.Kind.DIRECT
    assert posted.message.room == room


def test_a_refused_first_file_opens_no_conversation(alice, bob):
    with pytest.raises(Invalid):
        attachments.attach_direct(alice, bob, upload("half.png", truncated_png()), {})

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

    monkeypatch.setattr("chat.changes.next_revision", database_fails)

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


def test_an_image_file_holds_no_metadata_that_pillow_reads_back(alice, lunch):
    stored = attach(lunch, alice, "holiday.jpg", photo_with_gps()).message.attachment

    image = Image.open(io.BytesIO(read(stored.file)))
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(image.info)
