"""Parts of a file (``Range``), which a video needs to be sought through
(``chat.views.ranges``), served only to the room's readers like the whole file."""

from __future__ import annotations

import pytest

from chat.views import ranges
from tests.support.attachments import attach
from tests.support.files import MP4

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.mark.parametrize(
    ("header", "part"),
    [
        ("bytes=0-9", (0, 9)),
        ("bytes=10-", (10, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=90-500", (90, 99)),
        (" bytes = 3 - 4 ", (3, 4)),
        ("bytes=0-1,5-6", None),  # several: the whole file
        ("bytes=9-3", None),
        ("items=0-9", None),
        ("bytes=-", None),
        ("bytes=" + "9" * 5000 + "-", None),  # no number of thousands of digits is read
        ("bytes=0-" + "9" * 5000, None),
        (None, None),
    ],
)
def test_one_range_is_read_and_anything_else_is_the_whole_file(header, part):
    assert ranges.wanted(header, 100) == part


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=500-600", "bytes=-0"])
def test_a_range_past_the_end_cannot_be_satisfied(header):
    with pytest.raises(ranges.Unsatisfiable):
        ranges.wanted(header, 100)


def video(alice, lunch):
    return attach(lunch, alice, "clip.mp4", MP4).message.attachment


def test_a_video_is_served_inline_with_its_type_and_offers_ranges(login, alice, lunch):
    clip = video(alice, lunch)

    response = login(alice).get(clip.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == "inline; filename*=UTF-8''clip.mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == MP4


def test_a_range_of_a_video_is_a_part_of_it(login, alice, lunch):
    clip = video(alice, lunch)

    response = login(alice).get(clip.url, HTTP_RANGE="bytes=4-11")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 4-11/{len(MP4)}"
    assert response["Content-Length"] == "8"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == b"ftypisom"


def test_a_range_past_the_end_is_416(login, alice, lunch):
    clip = video(alice, lunch)

    response = login(alice).get(clip.url, HTTP_RANGE=f"bytes={len(MP4)}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(MP4)}"


def test_a_range_is_only_for_the_rooms_readers(login, alice, mallory, secret):
    clip = video(alice, secret)

    response = login(mallory).get(clip.url, HTTP_RANGE="bytes=0-3")

    assert response.status_code == 404
