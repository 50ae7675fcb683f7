"""Files said in a room: checked, cleaned, stored through Django's storage API and posted as a
message like any other; served only to the room's readers; gone with their message.

``attach`` takes the path of a message (``chat.messages.posting``): the words with the file follow a
message's rules (``AttachmentForm``; there may be none), the file counts against the
person's posting limit, the message takes the room's next revision, is rendered once and
goes to every socket of the room. On top of that: a size per file
(``CHAT_UPLOAD_MAX_BYTES``, in the form) and a number of files per person per hour
(``ratelimit.UPLOADS``).

Images are recognised, checked and re-encoded by ``chat.images`` (Pillow, from their bytes,
in four formats; bombs, damaged images and metadata refused or dropped there, for avatars
too). A thumbnail fits in 480 by 480 pixels. Everything else (HTML, SVG, PDF, text, any
unknown bytes) is stored as it came and only ever offered as a download
(``chat.views.attachments``).

Files are stored under random names (the person's name for it, cleaned, is only shown and
offered on download), and only through the storage of the model's fields, so any Django
storage backend works. Nothing is half-stored: if anything fails after a file was saved,
what was saved is deleted again.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from chat import images, ratelimit
from chat.conversations import Conversation
from chat.errors import Invalid, NotFound, TooFast, Unavailable, validated
from chat.fields import printable
from chat.limits import FILES_PER_SEND
from chat.messages import media
from chat.messages import posting as messages
from chat.messages.forms import AttachmentForm
from chat.messages.posting import Posted
from chat.models import Attachment, Message, Room
from chat.rooms import admin, conversations
from chat.storage import delete_stored, random_name

logger = logging.getLogger(__name__)

NO_SUCH_FILE = "No such file."
NOT_STORED = "Your file could not be saved just now; try again."

THUMBNAIL_BOX = (480, 480)
#: Longest name shown for a file (the model's column), in characters.
NAME_MAX_CHARS = Attachment._meta.get_field("name").max_length
#: An extension longer than this is part of the name when a long name is shortened.
EXTENSION_MAX_CHARS = 16
FALLBACK_NAME = "file"
#: Characters a name shown on the page and in a download must not carry: controls, and
#: invisible formatting (a right-to-left override makes "txt.exe" look like "exe.txt").
UNSHOWABLE = frozenset({"Cc", "Cf", "Cs"})


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
    extensions = images.IMAGE_EXTENSIONS[image_format]
    if name.rpartition(".")[2].lower() in extensions and "." in name:
        return name
    suffix = "." + extensions[0]
    return _shortened(name, NAME_MAX_CHARS - len(suffix)) + suffix


# --- images ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Image:
    """An image re-encoded from its pixels alone (``chat.images``), and its thumbnail."""

    format: str
    full: images.Encoded
    thumbnail: images.Encoded


def _examined_image(upload: UploadedFile) -> _Image | None:
    """``upload`` re-encoded if it is an image of the four formats; None if it is not one.

    Raises ``ImageRefused`` for an image too large to open or that cannot be decoded whole.
    """
    with images.decoding():  # the pixels are in memory until both are written
        decoded = images.decode(upload)
        if decoded is None:
            return None  # not one of the four formats: a file to download
        full = images.encode(decoded)
        thumbnail = images.encode(decoded, images.fitted(THUMBNAIL_BOX))
    return _Image(decoded.format, full, thumbnail)


# --- storing ---------------------------------------------------------------------------


def _stored(upload: UploadedFile, name: str, image: _Image | None, saved: list[str]) -> Attachment:
    """The unsaved ``Attachment`` of ``upload``, its files in storage (names in ``saved``
    as they are written, so a failure can take them back). A video or a sound whose bytes
    match its claim (``chat.messages.media``) is kept as it came, to play inline."""
    if image is None:
        played = media.recognised(upload, name)
        attachment = Attachment(
            kind=played.kind if played else Attachment.Kind.FILE,
            name=name,
            content_type=played.content_type if played else "application/octet-stream",
            size=upload.size,
        )
        upload.seek(0)
        attachment.file.save(random_name("media" if played else "bin"), upload, save=False)
        saved.append(attachment.file.name)
        return attachment
    extension = images.IMAGE_EXTENSIONS[image.format][0]
    attachment = Attachment(
        kind=Attachment.Kind.IMAGE,
        name=_named_for(name, image.format),
        content_type=images.IMAGE_TYPES[image.format],
        size=len(image.full.data),
        width=image.full.width,
        height=image.full.height,
        thumb_width=image.thumbnail.width,
        thumb_height=image.thumbnail.height,
    )
    attachment.file.save(random_name(extension), ContentFile(image.full.data), save=False)
    saved.append(attachment.file.name)
    thumbnail = ContentFile(image.thumbnail.data)
    attachment.thumbnail.save(random_name(extension), thumbnail, save=False)
    saved.append(attachment.thumbnail.name)
    return attachment


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


def _give_back(user: AbstractBaseUser, times: int = 1) -> None:
    for _ in range(times):
        ratelimit.give_back(ratelimit.POSTING, user.pk)
        ratelimit.give_back(ratelimit.UPLOADS, user.pk)


def _take(user: AbstractBaseUser, times: int = 1) -> None:
    """Count ``times`` files against both limits, all or none."""
    for taken in range(times):
        try:
            ratelimit.take(ratelimit.POSTING, user.pk)
        except TooFast:
            _give_back(user, taken)
            raise
        try:
            ratelimit.take(ratelimit.UPLOADS, user.pk)
        except TooFast:
            ratelimit.give_back(ratelimit.POSTING, user.pk)
            _give_back(user, taken)
            raise


TOO_MANY_FILES = "Send at most {most} files at once (this send has {count}); none was sent."


def _checked(uploads: list[UploadedFile], data: Mapping) -> list[AttachmentForm]:
    """Each upload bound to its form and valid; ``Invalid`` for the first that is not, or
    for more than ``FILES_PER_SEND`` of them. The words go with the first file."""
    if not uploads:
        validated(AttachmentForm, data, {})  # "Choose a file to send."
    forms = []
    for index, upload in enumerate(uploads):
        fields = data if index == 0 else {"body": "", "client_id": ""}
        forms.append(validated(AttachmentForm, fields, {"file": upload}))
    if len(uploads) > FILES_PER_SEND:
        form = forms[0]
        form.add_error("file", TOO_MANY_FILES.format(most=FILES_PER_SEND, count=len(uploads)))
        raise Invalid(form)
    return forms


def attach(conversation: Conversation, upload: UploadedFile | None, data: Mapping) -> Posted:
    """Post ``upload`` (and the optional ``body`` in ``data``): ``attach_many`` of one."""
    return attach_many(conversation, [upload] if upload is not None else [], data)[0]


def attach_many(
    conversation: Conversation, uploads: list[UploadedFile], data: Mapping
) -> list[Posted]:
    """Post each of ``uploads`` as its own message, in order (the optional ``body`` in
    ``data`` with the first), as the conversation's reader, who found it through their
    rights, as every poster does. A conversation nobody has written in yet is opened by
    them, once every file passed every check.

    All or nothing: raises ``Invalid`` (no file, more than ``FILES_PER_SEND``, an empty or
    too large one, a damaged image or one too large to open, words a message may not
    have), ``TooFast`` (the posting limit, or the files an hour, counting each file) or
    ``Unavailable``; nothing is stored or opened then, and refused files do not count
    against the person's limits, except that images refused after decoding count among
    the files an hour.
    """
    user = conversation.reader
    if conversation.room is not None:
        admin.check_writable(conversation.room)  # archived: read-only, before any work
    forms = _checked(uploads, data)
    _take(user, len(forms))  # before the work on images: a person over a limit costs nothing more
    examined = []
    for form in forms:
        try:
            examined.append(_examined_image(form.cleaned_data["file"]))
        except images.ImageRefused as refusal:
            # The decoding was paid for: a refused image still counts among the files an
            # hour (so damaged images or bombs cannot keep a core busy), not among the
            # messages; the other files count as nothing.
            for _ in forms:
                ratelimit.give_back(ratelimit.POSTING, user.pk)
            _give_back_uploads(user, len(forms) - 1)
            form.add_error("file", refusal.message)
            raise Invalid(form) from None
    room = conversations.begin(conversation)
    saved: list[str] = []
    stored = []
    first = forms[0]
    try:
        with transaction.atomic():
            for form, image in zip(forms, examined, strict=True):
                upload = form.cleaned_data["file"]
                body, client_id = form.cleaned_data["body"], form.cleaned_data["client_id"]
                attachment = _stored(upload, clean_name(upload.name), image, saved)
                stored.append(messages.insert(room, user, body, client_id, attachment=attachment))
    except BaseException as error:
        delete_stored(saved)
        _give_back(user, len(forms))
        if isinstance(error, IntegrityError):
            # The same send twice (a double submit): answer with what the first stored.
            earlier = messages.earlier_message(user, first.cleaned_data["client_id"])
            if earlier is not None:
                return [Posted(earlier, None, ack=first.ack)]
        if not isinstance(error, Exception):
            raise
        logger.exception("could not store a file in room %s", room.id)
        raise Unavailable(NOT_STORED) from error
    return [
        messages.broadcast(messages.rendered(message, found, ack=first.ack if index == 0 else None))
        for index, (message, found) in enumerate(stored)
    ]


def _give_back_uploads(user: AbstractBaseUser, times: int) -> None:
    for _ in range(times):
        ratelimit.give_back(ratelimit.UPLOADS, user.pk)


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
