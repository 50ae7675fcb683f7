"""Link previews: what the first link of a message leads to, shown under it.

After a message is stored (``posting.message_posted``) or edited (``edits.message_edited``),
the receivers here only hand a task to the fetching pool (``chat.fetching.submit``): on a
socket they run on the event loop, and posting never waits. On the pool the page is
fetched through the vetted-address GET (public addresses only, each redirect vetted, one
deadline, a cap; ``chat.fetching``), its head read for OpenGraph, Twitter, ``<title>`` and
description (``chat.messages.preview_pages``), its picture fetched the same way and
decoded and re-encoded by ``chat.images`` (four raster formats, bounded pixels, no
metadata; SVG and anything else are no picture). Then, if the message still holds that
link, the preview is stored with the room's next revision (a page that resumes gets it),
and the article, rendered once, goes to the room's sockets as an edit does.

``CHAT_LINK_PREVIEWS`` (read at each message) turns previews off: no fetch at all. The
author may remove the preview from their message (``remove_preview``): it stays off,
edits included.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.http.request import validate_host
from linkify_it import LinkifyIt

from chat import fetching, images, ratelimit
from chat.broadcast import events, fanout
from chat.broadcast import frames as rendering
from chat.errors import Forbidden, NotFound
from chat.messages import edits
from chat.messages.posting import next_revision
from chat.messages.preview_pages import PageFacts, read_head
from chat.models import LinkPreview, Message, Room
from chat.storage import delete_stored, random_name

logger = logging.getLogger(__name__)

#: The page: its start is read (its head), within one deadline for all its redirects.
PAGE_SECONDS = 5.0
PAGE_BYTES = 512 * 1024
#: The picture: read whole or not at all.
IMAGE_SECONDS = 5.0
IMAGE_BYTES = 5 * 1024 * 1024
#: The box the picture is shrunk to fit (never enlarged).
IMAGE_BOX = (600, 600)
#: How long the pool waits for the event loop to take the changed article.
ANNOUNCE_SECONDS = 5.0

ONLY_AUTHOR_REMOVES = "Only its author can remove a message's preview."
NO_PREVIEW = "This message has no preview."
NO_SUCH_PREVIEW = "No such preview."

_linkify = LinkifyIt()
#: Fenced blocks and inline code spans: a link written there is code, not a link.
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.S)
#: What every link linkify finds holds (a scheme, "www." or a dot before a top-level
#: domain): a message without it is not searched (linkify takes ~30 times as long).
_MAYBE_LINK = re.compile(r"://|www\.|\w\.[A-Za-z]{2}")


def enabled() -> bool:
    """Whether previews are on (``CHAT_LINK_PREVIEWS``), read at every message."""
    return bool(settings.CHAT_LINK_PREVIEWS)


def _our_own(host: str) -> bool:
    allowed = [h for h in settings.ALLOWED_HOSTS if h != "*"]
    return bool(allowed) and validate_host(host, allowed)


def first_link(body: str) -> str | None:
    """The first http(s) link of ``body`` as the body shows it linked (linkify), outside
    code; None when there is none, or it leads to this site."""
    if not _MAYBE_LINK.search(body):
        return None
    text = _CODE.sub(" ", body) if "`" in body else body
    for match in _linkify.match(text) or []:
        url = match.url
        if not url.lower().startswith(("http://", "https://")):
            continue  # mailto:, ftp:, …
        host = urlsplit(url).hostname or ""
        if host and not _our_own(host):
            return url
        return None
    return None


# --- fetching (on the pool, no database) -------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """What a page says of itself, and its picture re-encoded (None without one)."""

    facts: PageFacts
    image: images.Encoded | None = None
    extension: str = ""


def _is_html(kind: str) -> bool:
    return kind in {"text/html", "application/xhtml+xml"}


def _is_raster(kind: str) -> bool:
    return kind.startswith("image/") and kind != "image/svg+xml"


def _picture(url: str) -> tuple[images.Encoded, str] | None:
    """The picture at ``url`` decoded and re-encoded, shrunk into ``IMAGE_BOX``; None when
    it is not one (SVG, HTML, damaged, too large, too slow)."""
    try:
        answer = fetching.get(
            url,
            timeout=IMAGE_SECONDS,
            max_bytes=IMAGE_BYTES,
            accept=_is_raster,
            headers={"Accept": "image/png, image/jpeg, image/gif, image/webp"},
        )
    except fetching.FetchFailed as failure:
        logger.info("a preview's picture was not fetched: %s", failure)
        return None
    try:
        with images.decoding():
            decoded = images.decode(io.BytesIO(answer.body))
            if decoded is None:
                return None
            # One still picture: an animation's first frame.
            still = images.Decoded(decoded.format, decoded.images[:1], [0], None)
            return images.encode(still, images.fitted(IMAGE_BOX)), still.extension
    except images.ImageRefused as refusal:
        logger.info("a preview's picture was refused: %s", refusal.message)
        return None


def fetch(url: str) -> Found | None:
    """What the page at ``url`` says of itself (no database); None when it is no HTML
    page, says nothing, or cannot be fetched."""
    try:
        answer = fetching.get(
            url,
            timeout=PAGE_SECONDS,
            max_bytes=PAGE_BYTES,
            accept=_is_html,
            keep_start=True,
            headers={"Accept": "text/html, application/xhtml+xml"},
        )
    except fetching.FetchFailed as failure:
        logger.info("no preview for a link to %s: %s", urlsplit(url).hostname, failure)
        return None
    facts = read_head(answer.body, answer.charset)
    if not facts.title and not facts.description:
        return None
    picture = None
    if facts.image:
        image_url = urljoin(answer.url, facts.image)
        if image_url.lower().startswith(("http://", "https://")):
            picture = _picture(image_url)
    if picture is None:
        return Found(facts)
    return Found(facts, picture[0], picture[1])


# --- storing and announcing --------------------------------------------------------------------


def _announce(message_id: int, loop: asyncio.AbstractEventLoop | None) -> None:
    """The message's article, rendered once, to its room's sockets (on the server's loop
    when there is one: a channel layer is used from its own loop)."""
    room = Room.objects.get(messages__pk=message_id)
    message = Message.objects.for_room(room).get(pk=message_id)
    frame = rendering.changed_messages_frame(rendering.message_article(message, change=True))
    if loop is None:
        events.message_changed(message, frame)
    else:
        asyncio.run_coroutine_threadsafe(events.amessage_changed(message, frame), loop).result(
            ANNOUNCE_SECONDS
        )


def _forget_file(name: str) -> None:
    """The stored picture ``name`` leaves storage once this is committed."""
    if name:
        transaction.on_commit(lambda: delete_stored([name]))


def forget_picture(sender, instance: LinkPreview, **kwargs) -> None:
    """``post_delete`` of a ``LinkPreview``, however it went (its message deleted, edited
    to another link, or its room with it): its picture leaves storage once committed."""
    _forget_file(instance.image.name)


def _saved_picture(found: Found | None) -> str:
    """The picture of ``found`` written to storage under a random name ("" without one):
    before the transaction, so no row stays locked while storage is written to."""
    if found is None or found.image is None:
        return ""
    stored = ContentFile(found.image.data, name=random_name(found.extension))
    return LinkPreview.image.field.storage.save(
        LinkPreview.image.field.generate_filename(None, stored.name), stored
    )


def store(message_id: int, url: str | None, found: Found | None) -> bool:
    """Put ``found`` (for ``url``) on the message, or take a preview of another link off it;
    False, changing nothing, when the message was deleted, no longer holds ``url``, had
    its preview removed by its author, or already shows this."""
    picture = _saved_picture(found)
    kept = False
    try:
        with transaction.atomic():
            message = Message.objects.select_for_update().filter(pk=message_id).first()
            if message is None or message.deleted or first_link(message.body) != url:
                return False
            preview = LinkPreview.objects.filter(message=message).first()
            if preview is not None and preview.removed:
                return False
            if found is None:
                if preview is None or preview.url == url:
                    return False
                preview.delete()  # its picture goes with it (forget_picture)
            else:
                _forget_file(preview.image.name if preview is not None else "")
                preview = preview or LinkPreview(message=message)
                facts, image = found.facts, found.image
                preview.url, preview.title = url, facts.title
                preview.description, preview.site_name = facts.description, facts.site_name
                preview.image = picture
                preview.image_width = image.width if image is not None else None
                preview.image_height = image.height if image is not None else None
                preview.save()
            message.revision = next_revision(message.room_id)
            message.save(update_fields=["revision"])
        kept = True
    finally:
        if picture and not kept:
            delete_stored([picture])  # dropped, or the transaction failed
    return True


def refresh(message_id: int, url: str | None, loop: asyncio.AbstractEventLoop | None) -> bool:
    """On the pool: fetch ``url``'s preview, store it and announce the message (a preview of
    another link, left by an edit, goes); whether the message changed. Never raises."""
    try:
        if url is not None and _already_shown(message_id, url):
            return False
        changed = store(message_id, url, fetch(url) if url is not None else None)
        if changed:
            _announce(message_id, loop)
        return changed
    except Exception:
        logger.exception("the preview of message %s was not made", message_id)
        return False
    finally:
        close_old_connections()  # this thread's connection, as a request's would be


def _already_shown(message_id: int, url: str) -> bool:
    """Whether the message shows ``url``'s preview already, or its author removed it."""
    return (
        LinkPreview.objects.filter(message_id=message_id)
        .filter(Q(url=url) | Q(removed=True))
        .exists()
    )


def _schedule(message: Message, url: str | None) -> Future | None:
    return fetching.submit(refresh, message.id, url, fanout.server_loop())


def message_posted(sender: object, message: Message, **kwargs: object) -> None:
    """Receiver of ``posting.message_posted``: hand the first link's preview to the pool.
    Reads only what the message carries (it runs on the event loop for socket posts)."""
    try:
        url = first_link(message.body) if enabled() else None
        if url is not None:
            _schedule(message, url)
    except Exception:
        logger.exception("the preview of message %s was not asked for", message.pk)


def message_edited(sender: object, message: Message, **kwargs: object) -> None:
    """Receiver of ``edits.message_edited``: the preview follows the first link (unless
    its author removed it; ``store`` checks)."""
    if not enabled():
        return
    try:
        _schedule(message, first_link(message.body))
    except Exception:
        logger.exception("the preview of message %s was not asked for", message.pk)


# --- the author removes it ---------------------------------------------------------------------


def why_not_remove(user: AbstractBaseUser, message: Message) -> str | None:
    """Why ``user`` may not remove ``message``'s preview, or None when they may."""
    if message.deleted:
        return edits.GONE
    if message.author_id != user.pk:
        return ONLY_AUTHOR_REMOVES
    preview = LinkPreview.objects.filter(message=message, removed=False).first()
    if preview is None:
        return NO_PREVIEW
    return None


def check_remove(user: AbstractBaseUser, message: Message) -> None:
    """``Forbidden``, saying why, unless ``user`` may remove ``message``'s preview."""
    refusal = why_not_remove(user, message)
    if refusal:
        raise Forbidden(refusal)


def remove_preview(user: AbstractBaseUser, message_id: int, _sent: Mapping | None = None):
    """Take the preview off ``user``'s own message for good: its picture leaves storage,
    and every page gets the article without it. ``NotFound`` for a message the person may
    not read, ``Forbidden`` for someone else's (or none to remove)."""
    message = edits.readable_message(user, message_id)
    check_remove(user, message)
    ratelimit.take(ratelimit.CHANGING, user.pk)

    def change() -> None:
        preview = LinkPreview.objects.select_for_update().get(message=message)
        _forget_file(preview.image.name)
        preview.removed = True
        preview.image, preview.image_width, preview.image_height = "", None, None
        preview.save(update_fields=["removed", "image", "image_width", "image_height"])
        message.revision = next_revision(message.room_id)
        message.save(update_fields=["revision"])

    edits.saved(user, change)
    fresh = Message.objects.for_room(message.room).get(pk=message.pk)
    return edits.announce(fresh)


def readable_preview(user: AbstractBaseUser, preview_id: int) -> LinkPreview:
    """Preview ``preview_id`` with a picture, if ``user`` may read its message's room now;
    ``NotFound`` otherwise, exactly as for one that never existed."""
    preview = LinkPreview.objects.filter(
        pk=preview_id,
        removed=False,
        message__deleted=False,
        message__room__in=Room.objects.visible_to(user),
    ).first()
    if preview is None or not preview.image:
        raise NotFound(NO_SUCH_PREVIEW)
    return preview
