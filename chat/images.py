"""Pictures people upload (images in messages, avatars): recognised, checked and re-encoded
in one place, so every path in meets the same checks.

Images are recognised by Pillow from their bytes, never from the content type the browser
claimed, and only in four formats (PNG, JPEG, GIF, WebP; Pillow's other readers are never
tried). Each is measured from its header before anything is decoded, and refused past
``CHAT_IMAGE_MAX_PIXELS`` (all frames together: a decompression bomb, or a small file
of a huge picture, which would take about 3 bytes of memory a pixel); then verified,
decoded and re-encoded from its pixels alone, in its own format: a JPEG turned upright
by its EXIF orientation first, and no metadata survives (EXIF with GPS, XMP, comments,
colour profiles). An image that Pillow recognises but cannot decode whole is refused
(``ImageRefused``, with the words to show).

What is made of the pixels (a thumbnail, a square avatar) is the caller's: ``decode``
gives the frames, ``encode`` writes frames in the image's format, both inside
``decoding()``, which lets ``CHAT_IMAGE_DECODES_AT_ONCE`` images be worked on at once per
process (a few large images at once must not take the server's memory).

Both settings are read when an image is worked on, not when this module is imported.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.signals import setting_changed
from django.dispatch import receiver
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

logger = logging.getLogger(__name__)

DAMAGED_IMAGE = "This image is damaged or incomplete, so it was not sent."
TOO_MANY_FRAMES = "This animation has too many frames (at most {most:,})."
TOO_MANY_PIXELS = "This image is too large to open (over {most:,} pixels)."
BUSY = "The server is busy with other images just now, so this one was not sent. Try again."

#: How long an image waits for its turn at most (``decoding()``).
WAIT_SECONDS = 30.0

#: The raster formats shown as images, by Pillow's name, and their content types.
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
#: What Pillow's readers of those formats may call an image: a phone's "multi-picture"
#: JPEG (MPO) is a JPEG with more pictures after the first, which is the one kept.
SAME_FORMAT = {"MPO": "JPEG"}
#: The extensions an image's name may end with for its format; the first is added if not.
IMAGE_EXTENSIONS = {"PNG": ("png",), "JPEG": ("jpg", "jpeg"), "GIF": ("gif",), "WEBP": ("webp",)}
#: How the re-encoded images are written (a JPEG is decoded and encoded again: 90 keeps it
#: close to the original without the size of a lossless copy).
SAVE_OPTIONS: dict[str, dict] = {
    "PNG": {},
    "JPEG": {"quality": 90},
    "GIF": {},
    "WEBP": {"quality": 90},
}
#: Frames of an animation decoded at most (each costs time even when tiny).
MOST_FRAMES = 1000


class ImageRefused(Exception):
    """The image is refused; ``message`` says why, in words to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Encoded:
    """An image written out: its bytes and its size in pixels."""

    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Decoded:
    """An image's decoded pixels (no metadata), and what an animation needs to play as it did."""

    format: str
    images: list[Image.Image]
    durations: list[int]
    loop: int | None

    @property
    def extension(self) -> str:
        """The extension a file of this format is stored under."""
        return IMAGE_EXTENSIONS[self.format][0]

    @property
    def content_type(self) -> str:
        """The content type the image is served with."""
        return IMAGE_TYPES[self.format]


def content_type_of_extension(extension: str) -> str:
    """The content type of an image stored under ``extension`` (``Decoded.extension``)."""
    for image_format, extensions in IMAGE_EXTENSIONS.items():
        if extension.lower() in extensions:
            return IMAGE_TYPES[image_format]
    return "application/octet-stream"


def _frame_count(image: Image.Image) -> int:
    # A JPEG's later pictures (MPO) are dropped, so they are not decoded either.
    return 1 if image.format in SAME_FORMAT else getattr(image, "n_frames", 1)


def most_pixels() -> int:
    """The most pixels an image may have, all frames together (``CHAT_IMAGE_MAX_PIXELS``)."""
    return int(settings.CHAT_IMAGE_MAX_PIXELS)


def _pillow_says_the_same() -> None:
    """Pillow's own check (it reads the same header) is given the same limit: one limit,
    not two. Set before every image is opened, so it follows the setting."""
    Image.MAX_IMAGE_PIXELS = most_pixels()


@receiver(setting_changed)
def _setting_changed(*, setting: str, **kwargs) -> None:
    # Pillow's limit is the whole process's: when the setting changes or is put back (a
    # test's ``settings``), Pillow's follows at once, for images opened anywhere else.
    if setting == "CHAT_IMAGE_MAX_PIXELS":
        _pillow_says_the_same()


class _Turns:
    """The process's turns to work on an image: ``CHAT_IMAGE_DECODES_AT_ONCE`` of them, read
    when one is asked for (a changed setting gives new turns; those held go back to the
    old ones)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0  # none yet
        self._semaphore = threading.BoundedSemaphore()

    def semaphore(self) -> threading.BoundedSemaphore:
        """The turns for the setting as it is now."""
        size = int(settings.CHAT_IMAGE_DECODES_AT_ONCE)
        with self._lock:
            if size != self._size:
                self._size, self._semaphore = size, threading.BoundedSemaphore(size)
            return self._semaphore


_turns = _Turns()


@contextmanager
def decoding() -> Iterator[None]:
    """Hold one of the process's ``CHAT_IMAGE_DECODES_AT_ONCE`` turns to decode and encode
    an image; ``ImageRefused`` (``BUSY``) after ``WAIT_SECONDS`` without one."""
    turns = _turns.semaphore()
    if not turns.acquire(timeout=WAIT_SECONDS):
        raise ImageRefused(BUSY)
    try:
        yield
    finally:
        turns.release()


def _refuse_oversized(image: Image.Image) -> None:
    # Only the header has been read: width and height are known, no pixel is decoded.
    frames = _frame_count(image)
    if frames > MOST_FRAMES:
        raise ImageRefused(TOO_MANY_FRAMES.format(most=MOST_FRAMES))
    most = most_pixels()
    # Pillow checks one frame, and only warns up to twice its limit: every frame counts here.
    if image.width * image.height * frames > most:
        raise ImageRefused(TOO_MANY_PIXELS.format(most=most))


def _plain(frame: Image.Image, *, alpha: bool) -> Image.Image:
    """The frame's pixels in a mode its format and browsers take, with no metadata."""
    if alpha or frame.has_transparency_data:
        # Transparency of a palette or grey image lives in the metadata dropped below.
        plain = frame.convert("RGBA")
    elif frame.mode in ("1", "L", "P", "RGB"):
        plain = frame.copy()
    else:  # CMYK, 16-bit grey, …: what browsers show alike everywhere
        plain = frame.convert("RGB")
    plain.info = {}  # EXIF (GPS), XMP, comments, colour profile: none of it is kept
    return plain


def _decoded(image: Image.Image, image_format: str) -> Decoded:
    """Every frame decoded (a truncated image raises here), orientation applied."""
    if image_format == "JPEG":
        upright = ImageOps.exif_transpose(image)
        return Decoded(image_format, [_plain(upright, alpha=False)], [0], None)
    animated = _frame_count(image) > 1
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        frame.load()
        frames.append(_plain(frame, alpha=animated))
        durations.append(round(frame.info.get("duration", 100) or 100))
    return Decoded(image_format, frames, durations, image.info.get("loop"))


def decode(upload: UploadedFile) -> Decoded | None:
    """``upload``'s pixels if it is an image of the four formats; None if it is not one.
    Called within ``decoding()``.

    Raises ``ImageRefused`` for an image too large to open or that cannot be decoded whole.
    """
    _pillow_says_the_same()
    try:
        with warnings.catch_warnings():
            # Between Pillow's limit and twice that it only warns: a bomb all the same.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=list(IMAGE_TYPES)) as probe:
                image_format = SAME_FORMAT.get(probe.format, probe.format)
                if image_format not in IMAGE_TYPES:
                    return None
                _refuse_oversized(probe)
                probe.verify()  # checksums and structure, without decoding
            upload.seek(0)  # verify() leaves the image unusable: open it again to decode
            with Image.open(upload, formats=list(IMAGE_TYPES)) as image:
                _refuse_oversized(image)
                return _decoded(image, image_format)
    except ImageRefused:
        raise
    except UnidentifiedImageError:
        return None  # not one of the four formats
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(TOO_MANY_PIXELS.format(most=most_pixels())) from None
    except Exception as error:  # any failure to decode: truncated, bad checksums, …
        logger.info("an image was refused as damaged: %r", error)
        raise ImageRefused(DAMAGED_IMAGE) from None


def encode(decoded: Decoded, change: Callable[[Image.Image], Image.Image] | None = None) -> Encoded:
    """``decoded`` written in its own format, every frame first passed through ``change``
    (a thumbnail, a square) if given; an animation keeps its timing."""
    frames = [change(frame) for frame in decoded.images] if change else decoded.images
    options = dict(SAVE_OPTIONS[decoded.format])
    if len(frames) > 1:
        options.update(save_all=True, append_images=frames[1:], duration=decoded.durations)
        if decoded.loop is not None:
            options["loop"] = decoded.loop
        if decoded.format == "GIF":
            options["disposal"] = 2  # each frame is whole: clear the last before the next
    out = io.BytesIO()
    frames[0].save(out, decoded.format, **options)
    return Encoded(out.getvalue(), *frames[0].size)


def _full_colour(frame: Image.Image) -> Image.Image:
    # A palette is resized pixel by pixel (jagged): resample in full colour instead.
    return frame.convert("RGB") if frame.mode in ("1", "P") else frame.copy()


def fitted(box: tuple[int, int]) -> Callable[[Image.Image], Image.Image]:
    """A frame shrunk to fit in ``box`` (never enlarged), its proportions kept."""

    def fit(frame: Image.Image) -> Image.Image:
        small = _full_colour(frame)
        small.thumbnail(box)
        return small

    return fit


def squared(side: int) -> Callable[[Image.Image], Image.Image]:
    """A frame's centre cropped to a square and resized to ``side`` pixels a side."""

    def square(frame: Image.Image) -> Image.Image:
        return ImageOps.fit(_full_colour(frame), (side, side), Image.Resampling.LANCZOS)

    return square
