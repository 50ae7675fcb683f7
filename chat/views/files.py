"""Files served to their readers: a message's file and its thumbnail (``/files/…``), a link
preview's picture (``/previews/<id>/image``), and
through ``stored_file`` a person's picture (``chat.views.profiles``).

A message's file is 404 unless the reader may read its room now, exactly as for a file
that never existed. A verified image is shown inline with its own content type; anything
else is only ever a download (``application/octet-stream``, ``attachment``), so an HTML or
SVG file cannot run as a page of this site. Every file answer also carries ``nosniff`` and
a sandboxing Content-Security-Policy, in case a browser renders it anyway.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from chat.errors import NotFound
from chat.images import content_type_of_extension
from chat.messages import attachments, previews
from chat.models import Attachment
from chat.views import ranges

#: What a file answer may do if a browser renders it after all: nothing.
FILE_POLICY = "default-src 'none'; sandbox"
#: A message's file is the reader's own: no shared cache may keep a private room's file,
#: and the browser keeps no copy on disk either (a shared computer, or a member who has
#: since left).
PRIVATE = "private, no-store"


def stored_file(
    field: FieldFile,
    content_type: str,
    *,
    missing: str,
    cache: str,
    disposition: str = "",
    range_header: str | None = None,
) -> HttpResponse:
    """``field``'s file streamed from storage as ``content_type`` (the part a ``Range``
    header asks for, ``chat.views.ranges``); ``NotFound`` saying ``missing`` when it is
    gone from storage (or was never stored)."""
    try:
        handle = field.storage.open(field.name, "rb")
        size = field.storage.size(field.name) if range_header else None
    except (OSError, ValueError):
        raise NotFound(missing) from None
    except NotImplementedError:
        size = None  # a storage that cannot tell sizes: whole files only
    response = None
    if size is not None:
        response = ranges.part_of(handle, size, range_header, content_type)
    if response is None:
        response = FileResponse(handle, content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    if disposition:
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cache-Control"] = cache
    return response


#: What is shown in the page (its bytes recognised): the rest is only ever downloaded.
INLINE = {Attachment.Kind.IMAGE, Attachment.Kind.VIDEO, Attachment.Kind.AUDIO}


def _served(request: HttpRequest, attachment: Attachment, field: FieldFile) -> HttpResponse:
    """``field`` of ``attachment``, under the name its sender gave it (a part of it, for a
    ``Range`` request: a video sought to its middle)."""
    inline = attachment.kind in INLINE
    content_type = attachment.content_type if inline else "application/octet-stream"
    # Percent-encoded, so no quote, semicolon or line break of a name can reach the header.
    name = quote(attachment.name, safe="")
    disposition = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{name}"
    return stored_file(
        field,
        content_type,
        missing=attachments.NO_SUCH_FILE,
        cache=PRIVATE,
        disposition=disposition,
        range_header=request.headers.get("Range"),
    )


@login_required
@require_GET
def attachment_file(request: HttpRequest, attachment_id: int, name: str) -> HttpResponse:
    """``GET /files/<id>/<name>``: the file itself (``name`` is for the reader's eyes and
    their browser's "save as"; the id alone finds it)."""
    attachment = attachments.readable_attachment(request.user, attachment_id)
    return _served(request, attachment, attachment.file)


@login_required
@require_GET
def attachment_thumbnail(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """``GET /files/<id>/thumbnail``: an image's thumbnail. A file without one is served
    itself: this is also the URL of a file its sender called "thumbnail"."""
    attachment = attachments.readable_attachment(request.user, attachment_id)
    field = attachment.thumbnail if attachment.thumbnail else attachment.file
    return _served(request, attachment, field)


@login_required
@require_GET
def preview_image(request: HttpRequest, preview_id: int) -> FileResponse:
    """``GET /previews/<id>/image``: a link preview's picture, re-encoded by us, to the
    readers of its message's room only (404 otherwise, as for one that never existed)."""
    preview = previews.readable_preview(request.user, preview_id)
    extension = preview.image.name.rsplit(".", 1)[-1]
    return stored_file(
        preview.image,
        content_type_of_extension(extension),
        missing=previews.NO_SUCH_PREVIEW,
        cache=PRIVATE,
        disposition="inline",
    )
