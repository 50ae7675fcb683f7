"""Files said in a room: checked, cleaned, stored through Django's storage API and posted as a
message like any other; served only to the room's readers; gone with their message.

``attach`` takes the path of a message (``chat.messages``): the words with the file follow a
message's rules (``AttachmentForm``; there may be none), the file counts against the
person's posting limit, the message takes the room's next revision, is rendered once and
goes to every socket of the room. On top of that: a size per file
(``CHAT_UPLOAD_MAX_BYTES``, in the form) and a number of files per person per hour
(``ratelimit.UPLOADS``).

Images are recognised by Pillow from their bytes, never from the content type the browser
claimed, and only in four formats (PNG, JPEG, GIF, WebP; Pillow's other readers are never
tried). Each is verified, decoded within Pillow's pixel limit (``Image.MAX_IMAGE_PIXELS``,
all frames together: a decompression bomb is refused), and re-encoded from its pixels
alone, in its own format: a JPEG turned upright by its EXIF orientation first, and no
metadata survives (EXIF with GPS, XMP, comments, colour profiles). A thumbnail fits in
480 by 480 pixels. An image that Pillow recognises but cannot decode whole is refused. Everything
else (HTML, SVG, PDF, text, any unknown bytes) is stored as it came and only ever offered
as a download (``chat.views.attachments``).

Files are stored under random names (the person's name for it, cleaned, is only shown and
offered on download), and only through the storage of the model's fields, so any Django
storage backend works. Nothing is half-stored: if anything fails after a file was saved,
what was saved is deleted again.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from chat import messages, ratelimit, rooms
from chat.errors import Invalid, NotFound, TooFast, Unavailable
from chat.forms import AttachmentForm, printable
from chat.messages import Posted
from chat.models import Attachment, Message, Room

logger = logging.getLogger(__name__)

NO_SUCH_FILE = "No such file."
NOT_STORED = "Your file could not be saved just now; try again."
DAMAGED_IMAGE = "This image is damaged or incomplete, so it was not sent."
TOO_MANY_FRAMES = "This animation has too many frames (at most {most:,})."
TOO_MANY_PIXELS = "This image is too large to open (over {most:,} pixels)."

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
THUMBNAIL_BOX = (480, 480)
#: Frames of an animation decoded at most (each costs time even when tiny).
MOST_FRAMES = 1000
#: Longest name shown for a file (the model's column), in characters.
NAME_MAX_CHARS = Attachment._meta.get_field("name").max_length
#: An extension longer than this is part of the name when a long name is shortened.
EXTENSION_MAX_CHARS = 16
FALLBACK_NAME = "file"
#: Characters a name shown on the page and in a download must not carry: controls, and
#: invisible formatting (a right-to-left override makes "txt.exe" look like "exe.txt").
UNSHOWABLE = frozenset({"Cc", "Cf", "Cs"})


class _Refused(Exception):
    """The file's content is refused; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- names -----------------------------------------------------------------------------


def clean_name(raw: str | None) -> str:
    """The name a person gave a file, fit to show and to offer on download: no folders,
    no control or invisible formatting characters, white space as single spaces, at most
    ``NAME_MAX_CHARS`` characters (a long one is cut before its extension)."""
    name = unicodedata.normalize("NFC", printable(raw or ""))
    name = re.split(r"[/\\]", name)[-1]
    kept = []
    for char in name:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in UNSHOWABLE:
            kept.append(char)
    name = re.sub(r" {2,}", " ", "".join(kept)).strip()
    if not name.strip("."):  # "", ".", "..": nothing to call it by
        return FALLBACK_NAME
    return _shortened(name, NAME_MAX_CHARS)


def _shortened(name: str, most: int) -> str:
    if len(name) <= most:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= EXTENSION_MAX_CHARS:
        return stem[: most - len(extension) - 1].rstrip() + "." + extension
    return name[:most].rstrip()


def _named_for(name: str, image_format: str) -> str:
    """``name`` ending with an extension of the format the image was stored in."""
    extensions = IMAGE_EXTENSIONS[image_format]
    if name.rpartition(".")[2].lower() in extensions and "." in name:
        return name
    suffix = "." + extensions[0]
    return _shortened(name, NAME_MAX_CHARS - len(suffix)) + suffix


# --- images ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Encoded:
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class _Image:
    """An image re-encoded from its pixels alone, and its thumbnail."""

    format: str
    full: _Encoded
    thumbnail: _Encoded


@dataclass(frozen=True)
class _Frames:
    """Decoded pixels (no metadata), and what an animation needs to play as it did."""

    images: list[Image.Image]
    durations: list[int]
    loop: int | None


def _frame_count(image: Image.Image) -> int:
    # A JPEG's later pictures (MPO) are dropped, so they are not decoded either.
    return 1 if image.format in SAME_FORMAT else getattr(image, "n_frames", 1)


def _refuse_oversized(image: Image.Image) -> None:
    frames = _frame_count(image)
    if frames > MOST_FRAMES:
        raise _Refused(TOO_MANY_FRAMES.format(most=MOST_FRAMES))
    most = Image.MAX_IMAGE_PIXELS
    # Pillow checks one frame, and only warns up to twice its limit: every frame counts here.
    if most is not None and image.width * image.height * frames > most:
        raise _Refused(TOO_MANY_PIXELS.format(most=most))


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


def _decoded(image: Image.Image, image_format: str) -> _Frames:
    """Every frame decoded (a truncated image raises here), orientation applied."""
    if image_format == "JPEG":
        upright = ImageOps.exif_transpose(image)
        return _Frames([_plain(upright, alpha=False)], [0], None)
    animated = _frame_count(image) > 1
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        frame.load()
        frames.append(_plain(frame, alpha=animated))
        durations.append(round(frame.info.get("duration", 100) or 100))
    return _Frames(frames, durations, image.info.get("loop"))


def _encoded(frames: list[Image.Image], image_format: str, source: _Frames) -> _Encoded:
    options = dict(SAVE_OPTIONS[image_format])
    if len(frames) > 1:
        options.update(save_all=True, append_images=frames[1:], duration=source.durations)
        if source.loop is not None:
            options["loop"] = source.loop
        if image_format == "GIF":
            options["disposal"] = 2  # each frame is whole: clear the last before the next
    out = io.BytesIO()
    frames[0].save(out, image_format, **options)
    return _Encoded(out.getvalue(), *frames[0].size)


def _thumbnail_of(frame: Image.Image) -> Image.Image:
    # A palette is resized pixel by pixel (jagged): resample in full colour instead.
    small = frame.convert("RGB") if frame.mode in ("1", "P") else frame.copy()
    small.thumbnail(THUMBNAIL_BOX)
    return small


def _examined_image(upload: UploadedFile) -> _Image | None:
    """``upload`` re-encoded if it is an image of the four formats; None if it is not one.

    Raises ``_Refused`` for an image too large to open or that cannot be decoded whole.
    """
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
                frames = _decoded(image, image_format)
    except _Refused:
        raise
    except UnidentifiedImageError:
        return None  # not one of the four formats: a file to download
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Refused(TOO_MANY_PIXELS.format(most=Image.MAX_IMAGE_PIXELS)) from None
    except Exception as error:  # any failure to decode: truncated, bad checksums, …
        logger.info("an image was refused as damaged: %r", error)
        raise _Refused(DAMAGED_IMAGE) from None
    full = _encoded(frames.images, image_format, frames)
    thumbnail = _encoded([_thumbnail_of(f) for f in frames.images], image_format, frames)
    return _Image(image_format, full, thumbnail)


# --- storing ---------------------------------------------------------------------------


def _random_name(extension: str) -> str:
    # The person's name for the file is only shown; stored names are unguessable, and
    # carry no extension a storage could serve as HTML.
    return f"{secrets.token_urlsafe(16)}.{extension}"


def _stored(upload: UploadedFile, name: str, image: _Image | None, saved: list[str]) -> Attachment:
    """The unsaved ``Attachment`` of ``upload``, its files in storage (names in ``saved``
    as they are written, so a failure can take them back)."""
    if image is None:
        attachment = Attachment(
            kind=Attachment.Kind.FILE,
            name=name,
            content_type="application/octet-stream",
            size=upload.size,
        )
        upload.seek(0)
        attachment.file.save(_random_name("bin"), upload, save=False)
        saved.append(attachment.file.name)
        return attachment
    extension = IMAGE_EXTENSIONS[image.format][0]
    attachment = Attachment(
        kind=Attachment.Kind.IMAGE,
        name=_named_for(name, image.format),
        content_type=IMAGE_TYPES[image.format],
        size=len(image.full.data),
        width=image.full.width,
        height=image.full.height,
        thumb_width=image.thumbnail.width,
        thumb_height=image.thumbnail.height,
    )
    attachment.file.save(_random_name(extension), ContentFile(image.full.data), save=False)
    saved.append(attachment.file.name)
    thumbnail = ContentFile(image.thumbnail.data)
    attachment.thumbnail.save(_random_name(extension), thumbnail, save=False)
    saved.append(attachment.thumbnail.name)
    return attachment


def delete_stored(names: list[str]) -> None:
    """Delete files from storage; a failure is logged, not raised (nothing refers to them)."""
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("could not delete %s from storage", name)


def detach(message: Message) -> None:
    """Delete the file row of ``message`` (inside the caller's transaction); its files leave
    storage once that transaction is committed (``forget_files``)."""
    Attachment.objects.filter(message=message).delete()


def forget_files(sender, instance: Attachment, **kwargs) -> None:
    """``post_delete`` of an ``Attachment``, however it went (its message deleted, or the
    message's room or author with it): its files leave storage once the deletion is
    committed, and stay if it is rolled back."""
    names = [name for name in (instance.file.name, instance.thumbnail.name) if name]
    if names:
        transaction.on_commit(lambda: delete_stored(names))


# --- posting ---------------------------------------------------------------------------


def _give_back(user: AbstractBaseUser) -> None:
    ratelimit.give_back(ratelimit.POSTING, user.pk)
    ratelimit.give_back(ratelimit.UPLOADS, user.pk)


def _take(user: AbstractBaseUser) -> None:
    ratelimit.take(ratelimit.POSTING, user.pk)
    try:
        ratelimit.take(ratelimit.UPLOADS, user.pk)
    except TooFast:
        ratelimit.give_back(ratelimit.POSTING, user.pk)
        raise


def _attach(
    find_room: Callable[[], Room], user: AbstractBaseUser, upload: UploadedFile | None, data
) -> tuple[Room, Posted]:
    form = AttachmentForm(data, {"file": upload} if upload is not None else {})
    if not form.is_valid():
        raise Invalid(form)
    body, client_id = form.cleaned_data["body"], form.cleaned_data["client_id"]
    upload = form.cleaned_data["file"]
    _take(user)  # before the work on the image: a person over a limit costs nothing more
    try:
        image = _examined_image(upload)
    except _Refused as refusal:
        # The decoding was paid for: a refused image still counts among the files an hour
        # (so damaged images or bombs cannot keep a core busy), not among the messages.
        ratelimit.give_back(ratelimit.POSTING, user.pk)
        form.add_error("file", refusal.message)
        raise Invalid(form) from None
    room = find_room()
    saved: list[str] = []
    try:
        attachment = _stored(upload, clean_name(upload.name), image, saved)
        message, found = messages.insert(room, user, body, client_id, attachment=attachment)
    except BaseException as error:
        delete_stored(saved)
        _give_back(user)
        if isinstance(error, IntegrityError):
            # The same send twice (a double submit): answer with what the first stored.
            earlier = messages.earlier_message(user, client_id)
            if earlier is not None:
                return room, Posted(earlier, None, ack=form.ack)
        if not isinstance(error, Exception):
            raise
        logger.exception("could not store a file in room %s", room.id)
        raise Unavailable(NOT_STORED) from error
    return room, messages.broadcast(messages.rendered(message, found, ack=form.ack))


def attach(
    room: Room, user: AbstractBaseUser, uploaded_file: UploadedFile | None, data: Mapping
) -> Posted:
    """Post ``uploaded_file`` (and the optional ``body`` in ``data``) as ``user`` in ``room``,
    which the caller found through ``user``'s rights, as every poster does.

    Raises ``Invalid`` (no file, an empty or too large one, a damaged image or one too
    large to open, words a message may not have), ``TooFast`` (the posting limit, or the
    files an hour) or ``Unavailable``; nothing is stored then, and a refused file does not
    count against the person's limits, except that an image refused after decoding counts
    among the files an hour.
    """
    return _attach(lambda: room, user, uploaded_file, data)[1]


def attach_direct(
    user: AbstractBaseUser, other: AbstractBaseUser, uploaded_file: UploadedFile | None, data
) -> tuple[Room, Posted]:
    """Post a file to the direct conversation with ``other``, opening it with this first
    message once the file passed every check (a refused one opens nothing)."""
    return _attach(lambda: rooms.open_direct_room(user, other), user, uploaded_file, data)


# --- reading ---------------------------------------------------------------------------


def readable_attachment(user: AbstractBaseUser, attachment_id: int) -> Attachment:
    """The file ``attachment_id`` if ``user`` may read its room now; ``NotFound``
    otherwise, exactly as for a file that does not exist (or whose message was deleted)."""
    if not user.is_authenticated:
        raise NotFound(NO_SUCH_FILE)
    attachment = Attachment.objects.filter(
        pk=attachment_id,
        message__deleted=False,
        message__room__in=Room.objects.visible_to(user),
    ).first()
    if attachment is None:
        raise NotFound(NO_SUCH_FILE)
    return attachment
