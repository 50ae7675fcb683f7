"""Images people send (``chat.images``), checked through a file said in a room: re-encoded
upright with no metadata, told by their bytes, and refused when damaged, too large to open, or
kept waiting too long for a turn to be decoded, with nothing left behind."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import override_settings
from PIL import Image, ImageFile

from chat import images
from chat.errors import Invalid
from chat.messages import attachments
from chat.people import profiles
from tests.support.attachments import assert_nothing_stored, attach
from tests.support.files import (
    CAMERA,
    GPS_IFD,
    animated_gif,
    bomb_png,
    encoded,
    huge_png,
    opened,
    photo_with_gps,
    png,
    read,
    truncated_png,
    upload,
)
from tests.support.messages import in_room

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# --- stored re-encoded --------------------------------------------------------------------


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
        in_room(lunch, alice), upload("notes.txt", png(20, 10), content_type="text/plain"), {}
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


# --- refused, and nothing left behind -------------------------------------------------------


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

    attachments._examined_image(upload("a.png", png(40, 30)))

    assert Image.MAX_IMAGE_PIXELS == 25_000_000


def test_pillows_limit_follows_the_setting_when_an_image_is_opened(settings):
    settings.CHAT_IMAGE_MAX_PIXELS = 100_000_000  # above Pillow's own default (89 MP)

    attachments._examined_image(upload("a.png", png(40, 30)))

    assert Image.MAX_IMAGE_PIXELS == 100_000_000


def test_pillows_limit_is_put_back_with_the_setting():
    with override_settings(CHAT_IMAGE_MAX_PIXELS=60 * 40):
        assert Image.MAX_IMAGE_PIXELS == 60 * 40

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


def test_only_so_many_images_are_decoded_at_once(monkeypatch, settings):
    settings.CHAT_IMAGE_DECODES_AT_ONCE = 3
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
            assert changed.wait_for(lambda: busy[0] == 3, timeout=5)
        assert not any(done.done() for done in work)
        release.set()
        results = [done.result(5) for done in work]

    assert most[0] == 3
    assert all(result is not None for result in results)


def test_an_image_waiting_too_long_for_its_turn_is_refused(monkeypatch, settings):
    settings.CHAT_IMAGE_DECODES_AT_ONCE = 1
    monkeypatch.setattr(images, "WAIT_SECONDS", 0.01)

    # Another image holds the one turn.
    with images.decoding(), pytest.raises(images.ImageRefused) as refused:
        attachments._examined_image(upload("a.png", png(40, 30)))

    assert refused.value.message == (
        "The server is busy with other images just now, so this one was not sent. Try again."
    )


def test_an_animation_counts_the_pixels_of_every_frame(alice, lunch, settings):
    settings.CHAT_IMAGE_MAX_PIXELS = 60 * 40 * 2

    with pytest.raises(Invalid) as refused:
        attach(lunch, alice, "dance.gif", animated_gif(frames=3))

    assert refused.value.message == "This image is too large to open (over 4,800 pixels)."


def test_an_image_file_holds_no_metadata_that_pillow_reads_back(alice, lunch):
    stored = attach(lunch, alice, "holiday.jpg", photo_with_gps()).message.attachment

    image = Image.open(io.BytesIO(read(stored.file)))
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(image.info)
